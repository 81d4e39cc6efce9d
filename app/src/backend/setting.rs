//! A setting an operator gave that cannot be used: which variable, and
//! why. The server's configuration and the database's address both answer
//! with it, so every refusal at start reads the same way.

/// A variable that is missing or malformed, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct SettingError {
    pub variable: &'static str,
    pub problem: String,
}

impl SettingError {
    pub fn new(variable: &'static str, problem: impl Into<String>) -> Self {
        Self {
            variable,
            problem: problem.into(),
        }
    }
}
