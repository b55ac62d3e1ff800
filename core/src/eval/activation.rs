//! The variable resolver of one evaluation: names resolve to borrowed, pre-built values.

use cel::common::value::{CowVal, Val};
use cel::context::VariableResolver;

use crate::compile::expr::{AUX, CONST_PREFIX, EDR, NOW, REQUEST, VAR_PREFIX};

/// Everything an expression may read, borrowed.
pub(crate) struct Activation<'a> {
    pub(crate) p: &'a dyn Val,
    pub(crate) r: &'a dyn Val,
    pub(crate) g: &'a dyn Val,
    pub(crate) consts: &'a [Box<dyn Val>],
    pub(crate) vars: &'a [Option<Box<dyn Val>>],
    pub(crate) aux: Option<&'a dyn Val>,
    pub(crate) edr: Option<&'a dyn Val>,
    pub(crate) now: Option<&'a dyn Val>,
    pub(crate) request: Option<&'a dyn Val>,
}

fn slot(name: &str, prefix: &str) -> Option<usize> {
    name.strip_prefix(prefix)?.parse().ok()
}

impl VariableResolver for Activation<'_> {
    fn resolve<'b>(&'b self, name: &str) -> Option<CowVal<'b, 'b>> {
        let v: &dyn Val = match name {
            "P" => self.p,
            "R" => self.r,
            "G" => self.g,
            _ if name == NOW => self.now?,
            _ if name == AUX => self.aux?,
            _ if name == EDR => self.edr?,
            _ if name == REQUEST => self.request?,
            _ => {
                if let Some(i) = slot(name, VAR_PREFIX) {
                    self.vars.get(i)?.as_deref()?
                } else if let Some(i) = slot(name, CONST_PREFIX) {
                    self.consts.get(i)?.as_ref()
                } else {
                    return None;
                }
            }
        };
        Some(CowVal::Borrowed(v))
    }
}
