//! Reading one variable: a value of a type, a number within bounds, a
//! yes/no; each failure names its variable.

use super::{ConfigError, problem};
use std::{fmt, str::FromStr};

pub(super) fn parse<T: FromStr>(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: Option<T>,
    expected: &str,
) -> Result<T, ConfigError> {
    match var(name) {
        Some(raw) => raw
            .parse()
            .map_err(|_| problem(name, format!("expected {expected}"))),
        None => default.ok_or_else(|| problem(name, "required")),
    }
}

pub(super) fn bounded<T>(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ConfigError>
where
    T: FromStr + PartialOrd + fmt::Display,
{
    let value = parse(var, name, Some(default), "a whole number")?;
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(problem(
            name,
            format!("expected between {} and {}", range.start(), range.end()),
        ))
    }
}

pub(super) fn parse_bool(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match var(name).as_deref() {
        None => Ok(default),
        Some("true" | "1" | "yes") => Ok(true),
        Some("false" | "0" | "no") => Ok(false),
        Some(_) => Err(problem(name, "expected true or false")),
    }
}

/// Test configuration: the variables `vars` and nothing else.
#[cfg(test)]
pub(super) fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    }
}
