//! The canary strings, each its own, so that a find names what leaked:
//! what the test types into Cairn and then looks for everywhere.

pub(super) const NAME: &str = "Quillon Canarybrook";
pub(super) const EMAIL: &str = "quillon.canarybrook@canary.example";
pub(super) const PHONE: &str = "555-0177-CANARY";
pub(super) const BORN: &str = "1977-07-17";
pub(super) const NOTE: &str = "canary-note-b81f disclosed a private matter";
pub(super) const ADDENDUM: &str = "canary-addendum-4c2e corrected";
pub(super) const DIAGNOSIS: &str = "canary-diagnosis-7d1a disorder";
pub(super) const CODE: &str = "Q77.7";
pub(super) const GOAL: &str = "canary-goal-e93b walk the dog daily";
pub(super) const INTERVENTION: &str = "canary-intervention-05fa";
pub(super) const HELPER: &str = "canary-helper-6f3a my cousin, 555 0166";
pub(super) const STREET: &str = "canary-street-2d9b 7 Lantern Lane";
pub(super) const CONTACT: &str = "canary-contact-70ae Robin";
pub(super) const PRONOUNS: &str = "canary-pronouns-c4d1";
pub(super) const PAYER: &str = "canary-payer-8b2e Mutual";
pub(super) const MEMBER: &str = "CANARY-MEMBER-93F1";
pub(super) const RECIPIENT: &str = "canary-recipient-4e7b Example Court";
pub(super) const DISCLOSED: &str = "canary-disclosed-a15c attendance dates";
pub(super) const PSYCHOTHERAPY: &str = "canary-psychotherapy-3e6d dream about the lake";
pub(super) const REASON: &str = "canary-reason-91c4 called the crisis line at night";
pub(super) const REVIEW_NOTE: &str = "canary-review-2b7e spoke with the therapist";
pub(super) const AGENT: &str = "canary-agent-5a0f Firefox/128.0 (X11; Linux x86_64)";
pub(super) const PORTAL_PASSWORD: &str = "canary-password-61d8 lantern";
pub(super) const ACKNOWLEDGEMENT: &str = "canary-acknowledgement-8e2c called them back";
pub(super) const MOVED_EMAIL: &str = "quillon.moved@canary.example";
pub(super) const MOVED_PHONE: &str = "+1 555 0188 777";
pub(super) const AMENDMENT: &str = "canary-amendment-3f9a my birthday is wrong";
pub(super) const EXTENSION: &str = "canary-extension-c2b8 waiting on old records";
pub(super) const DENIAL: &str = "canary-denial-7a41 the passport says so";
pub(super) const DISAGREEMENT: &str = "canary-disagree-e55c I still disagree";
pub(super) const HOLD: &str = "canary-hold-6c1e subpoena in a custody case";
pub(super) const LIFT: &str = "canary-lift-d3a8 the case settled";
pub(super) const SIGNED_AS: &str = "canary-signed-5e0a Q. Canary";
pub(super) const RELEASE_TO: &str = "canary-release-to-1b9e Example Law Office";
pub(super) const RELEASED: &str = "canary-released-7f3c attendance dates";
/// Typed at sign-in for an account the practice does not have.
pub(super) const UNKNOWN_EMAIL: &str = "quillon.unknown@canary.example";
