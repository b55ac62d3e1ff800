//! Reading a command's JSON input: from a file or standard input, parsed with the path of
//! the offending field in every error.

use std::io::Read;
use std::path::Path;

use serde::de::DeserializeOwned;

use crate::error::{CliError, FieldError};

/// The whole input: standard input when `path` is `-`, else the file.
pub(crate) fn read_input(path: &Path, stdin: &mut dyn Read) -> Result<String, CliError> {
    let mut text = String::new();
    let result = if path == Path::new("-") {
        stdin.read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::read_to_string(path).map(|t| text = t)
    };
    result.map_err(|source| CliError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(text)
}

/// Parses `text` as one JSON value of type `T`, naming the offending field on failure.
pub(crate) fn parse_json<T: DeserializeOwned>(
    text: &str,
    what: &'static str,
) -> Result<T, CliError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { String::new() } else { path };
        CliError::InvalidInput {
            what,
            errors: vec![FieldError::new(field, e.inner().to_string())],
        }
    })?;
    de.end().map_err(|e| CliError::InvalidInput {
        what,
        errors: vec![FieldError::new("", e.to_string())],
    })?;
    Ok(value)
}
