pub mod cfg;
pub mod deobf;
pub mod dis;
pub mod info;
pub mod rewrite;
pub mod run;
pub mod trace;
