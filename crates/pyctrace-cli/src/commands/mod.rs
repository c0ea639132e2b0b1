pub mod info;
pub mod rewrite;
