//! Stack effects per version, from the table `scripts/gen_stack_effects.py`
//! dumps out of each interpreter's `dis.stack_effect` (3.8+).

use pyctrace_version::PyVersion;

/// How the effect of an opcode depends on its argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Model {
    /// No argument: `nojump[0]` / `jump[0]`.
    NoArg,
    /// `t[a]` below 16, `t[15] + slope * (a - 15)` above.
    Linear,
    /// `t[a & 15]`.
    Mask,
    /// Computed by hand (`UNPACK_EX`).
    Irregular,
}

/// One opcode's stack effect; `-128` marks "undefined" (ValueError).
#[derive(Clone, Copy, Debug)]
pub struct OpEffect {
    pub op: u8,
    pub model: Model,
    pub nojump: [i8; 16],
    pub jump: [i8; 16],
    pub slope_nojump: i16,
    pub slope_jump: i16,
}

const UNDEFINED: i8 = -128;

fn eval(t: &[i8; 16], slope: i16, model: Model, arg: u32) -> Option<i64> {
    let v = match model {
        Model::NoArg => t[0],
        Model::Mask => t[(arg & 15) as usize],
        Model::Linear => {
            if arg < 16 {
                t[arg as usize]
            } else {
                if t[15] == UNDEFINED {
                    return None;
                }
                return Some(t[15] as i64 + slope as i64 * (arg as i64 - 15));
            }
        }
        Model::Irregular => return Some((arg & 0xff) as i64 + (arg >> 8) as i64),
    };
    (v != UNDEFINED).then_some(v as i64)
}

/// Whether this crate knows the stack effects of `version` (3.8 and later).
pub fn has_stack_effects(version: PyVersion) -> bool {
    crate::generated::stack_effects::table_for(version.major, version.minor).is_some()
}

/// `dis.stack_effect(opcode, arg, jump=jump)` of the version, `None` when
/// unknown (undefined opcode, version without a table).
pub fn stack_effect(version: PyVersion, opcode: u8, arg: Option<u32>, jump: bool) -> Option<i64> {
    let table = crate::generated::stack_effects::table_for(version.major, version.minor)?;
    let e = table.iter().find(|e| e.op == opcode)?;
    let a = arg.unwrap_or(0);
    if jump {
        eval(&e.jump, e.slope_jump, e.model, a)
    } else {
        eval(&e.nojump, e.slope_nojump, e.model, a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_effects() {
        let v = PyVersion::new(3, 8);
        let t = pyctrace_bytecode::op_table(v).unwrap();
        let build_tuple = t
            .opcode_of(pyctrace_bytecode::Mnemonic::BUILD_TUPLE)
            .unwrap();
        assert_eq!(stack_effect(v, build_tuple, Some(3), false), Some(-2));
        assert_eq!(stack_effect(v, build_tuple, Some(300), false), Some(-299));
        let for_iter = t.opcode_of(pyctrace_bytecode::Mnemonic::FOR_ITER).unwrap();
        assert_eq!(stack_effect(v, for_iter, Some(4), false), Some(1));
        assert_eq!(stack_effect(v, for_iter, Some(4), true), Some(-1));
        let unpack_ex = t.opcode_of(pyctrace_bytecode::Mnemonic::UNPACK_EX).unwrap();
        assert_eq!(stack_effect(v, unpack_ex, Some(0x102), false), Some(3));
        assert_eq!(stack_effect(PyVersion::new(2, 7), 1, None, false), None);
    }
}
