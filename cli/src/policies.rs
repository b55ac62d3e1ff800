//! Reading the policy directory named on the command line.

use std::path::Path;

use authz_core::{BuildErrors, PolicySet};

use crate::error::CliError;

/// Why a policy directory did not load.
pub(crate) enum LoadError {
    /// The directory is missing or not a directory.
    Cli(CliError),
    /// The policies failed to build.
    Build(BuildErrors),
}

/// Loads the policies of `dir`, which must be a readable directory.
pub(crate) fn load_policies(dir: &Path) -> Result<PolicySet, LoadError> {
    ensure_dir(dir).map_err(LoadError::Cli)?;
    PolicySet::from_dir(dir).map_err(LoadError::Build)
}

/// Fails unless `dir` is an existing directory.
pub(crate) fn ensure_dir(dir: &Path) -> Result<(), CliError> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(CliError::NotADirectory {
            path: dir.to_path_buf(),
        }),
        Err(source) => Err(CliError::Read {
            path: dir.to_path_buf(),
            source,
        }),
    }
}
