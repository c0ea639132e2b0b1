use clap::Args as ClapArgs;

use crate::Failure;
use crate::load::InputArgs;

#[derive(ClapArgs)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let _ = args;
    Err(Failure::Input(anyhow::anyhow!("dis: not implemented yet")))
}
