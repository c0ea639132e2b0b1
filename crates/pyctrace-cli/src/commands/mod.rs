pub mod dis;
pub mod info;
pub mod rewrite;
