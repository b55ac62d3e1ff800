//! Reading the policy directory named on the command line.

use std::io::Write;
use std::path::Path;

use authz_core::{BuildErrors, Engine, PolicySet};

use crate::error::CliError;
use crate::flags::EngineFlags;
use crate::output::write_build_errors;

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

/// The engine over the policies of `dir` with the settings of `flags`, or `None` after
/// writing the build errors to `stderr`.
pub(crate) fn load_engine(
    dir: &Path,
    flags: &EngineFlags,
    stderr: &mut dyn Write,
) -> Result<Option<Engine>, CliError> {
    match load_policies(dir) {
        Ok(set) => Ok(Some(Engine::new(set, flags.config()))),
        Err(LoadError::Cli(e)) => Err(e),
        Err(LoadError::Build(errors)) => {
            write_build_errors(stderr, &errors)?;
            Ok(None)
        }
    }
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
