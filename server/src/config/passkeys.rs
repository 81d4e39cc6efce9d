//! Passkey settings.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `CAIRN_PASSKEY_REQUIRED_ROLES` | `none` | roles that must sign in with a passkey (phishing-resistant sign-in), e.g. `admin`; they are walked through adding one at their next sign-in, and recovery codes still work when a device is lost |
//!
//! The relying party is the host of `CAIRN_PUBLIC_URL`: browsers allow
//! passkeys only on a domain name (`localhost` included), so at an IP
//! address they are off, and requiring them there is refused.

use super::{ConfigError, problem};
use app::backend::identity::passkeys::PasskeyPolicy;

pub(super) fn policy(
    var: &impl Fn(&str) -> Option<String>,
    public_url: &str,
) -> Result<PasskeyPolicy, ConfigError> {
    const ROLES: &str = "CAIRN_PASSKEY_REQUIRED_ROLES";
    let required = super::mfa::roles(var, ROLES, &[])?;
    let policy = PasskeyPolicy::for_origin(public_url, required).map_err(|_| {
        problem(
            "CAIRN_PUBLIC_URL",
            "expected an origin whose host can carry passkeys",
        )
    })?;
    if !policy.required.is_empty() && !policy.available() {
        return Err(problem(
            ROLES,
            "passkeys need CAIRN_PUBLIC_URL to be a domain name, not an IP address",
        ));
    }
    Ok(policy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse::lookup;
    use app::model::Role;

    #[test]
    fn a_domain_carries_passkeys_and_an_address_does_not() {
        let named = policy(&lookup(&[]), "https://clinic.example").expect("domain");
        assert!(named.available() && named.required.is_empty());
        let local = policy(&lookup(&[]), "http://localhost:3000").expect("localhost");
        assert!(local.available());
        let address = policy(&lookup(&[]), "http://127.0.0.1:3000").expect("address");
        assert!(!address.available());
    }

    #[test]
    fn required_roles_need_a_domain() {
        let admins = policy(
            &lookup(&[("CAIRN_PASSKEY_REQUIRED_ROLES", "admin")]),
            "https://clinic.example",
        )
        .expect("admins");
        assert!(admins.required_for(Role::Admin) && !admins.required_for(Role::Patient));
        let refused = policy(
            &lookup(&[("CAIRN_PASSKEY_REQUIRED_ROLES", "admin")]),
            "http://127.0.0.1:3000",
        )
        .expect_err("an address");
        assert_eq!(refused.variable, "CAIRN_PASSKEY_REQUIRED_ROLES");
        let bad = policy(
            &lookup(&[("CAIRN_PASSKEY_REQUIRED_ROLES", "root")]),
            "https://clinic.example",
        )
        .expect_err("bad role");
        assert_eq!(bad.variable, "CAIRN_PASSKEY_REQUIRED_ROLES");
    }
}
