//! A software passkey authenticator, so the server's WebAuthn checks run
//! against real signatures: a P-256 key per credential, answering each
//! challenge exactly as a browser hands the authenticator's reply over (the
//! library's JSON wire types). Its signature counter can be turned back,
//! as a cloned authenticator's would be.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use p256::ecdsa::{Signature, SigningKey, signature::Signer};
use sha2::{Digest, Sha256};
use webauthn_rs_proto::{
    AuthenticationExtensionsClientOutputs, AuthenticatorAssertionResponseRaw,
    AuthenticatorAttestationResponseRaw, CreationChallengeResponse, PublicKeyCredential,
    RegisterPublicKeyCredential, RegistrationExtensionsClientOutputs, RequestChallengeResponse,
};

/// User present, user verified.
const UP_UV: u8 = 0x01 | 0x04;
/// ... with attested credential data.
const UP_UV_AT: u8 = UP_UV | 0x40;

/// One credential on a software authenticator.
pub struct SoftPasskey {
    pub id: Vec<u8>,
    key: SigningKey,
    /// The signature counter; each answer moves it on by one first.
    pub counter: u32,
    rp_id: String,
    origin: String,
    user_handle: Vec<u8>,
}

impl SoftPasskey {
    /// Makes a credential for `challenge`, as a browser at `origin` would;
    /// answers it and the reply the browser sends back.
    pub fn register(challenge: &CreationChallengeResponse, origin: &str) -> (Self, String) {
        let options = &challenge.public_key;
        let id = uuid::Uuid::new_v4().as_bytes().repeat(2);
        let key = loop {
            let bytes: Vec<u8> = [uuid::Uuid::new_v4(), uuid::Uuid::new_v4()]
                .iter()
                .flat_map(|u| u.as_bytes().to_vec())
                .collect();
            if let Ok(key) = SigningKey::from_slice(&bytes) {
                break key;
            }
        };
        let passkey = Self {
            id,
            key,
            counter: 0,
            rp_id: options.rp.id.clone(),
            origin: origin.to_owned(),
            user_handle: options.user.id.to_vec(),
        };
        let client_data = passkey.client_data("webauthn.create", &options.challenge);
        let mut auth_data = passkey.auth_data_head(UP_UV_AT, 0);
        auth_data.extend_from_slice(&[0u8; 16]); // AAGUID: none
        auth_data.extend_from_slice(&u16::try_from(passkey.id.len()).expect("id").to_be_bytes());
        auth_data.extend_from_slice(&passkey.id);
        auth_data.extend_from_slice(&passkey.cose_key());
        let mut attestation = vec![0xA3];
        attestation.extend(cbor_text("fmt"));
        attestation.extend(cbor_text("none"));
        attestation.extend(cbor_text("attStmt"));
        attestation.push(0xA0);
        attestation.extend(cbor_text("authData"));
        attestation.extend(cbor_bytes(&auth_data));
        let reply = RegisterPublicKeyCredential {
            id: URL_SAFE_NO_PAD.encode(&passkey.id),
            raw_id: passkey.id.clone(),
            response: AuthenticatorAttestationResponseRaw {
                attestation_object: attestation,
                client_data_json: client_data,
                transports: None,
            },
            type_: "public-key".to_owned(),
            extensions: RegistrationExtensionsClientOutputs::default(),
        };
        let json = serde_json::to_string(&reply).expect("reply JSON");
        (passkey, json)
    }

    /// Signs `challenge` (after moving the counter on by one), naming its
    /// account as a discoverable credential does.
    pub fn answer(&mut self, challenge: &RequestChallengeResponse) -> String {
        self.counter += 1;
        self.answer_as_is(challenge)
    }

    /// Signs `challenge` with the counter as it stands (a clone's reply
    /// when the counter was turned back).
    pub fn answer_as_is(&self, challenge: &RequestChallengeResponse) -> String {
        let options = &challenge.public_key;
        let client_data = self.client_data("webauthn.get", &options.challenge);
        let auth_data = self.auth_data_head(UP_UV, self.counter);
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let signature: Signature = self.key.sign(&signed);
        let reply = PublicKeyCredential {
            id: URL_SAFE_NO_PAD.encode(&self.id),
            raw_id: self.id.clone(),
            response: AuthenticatorAssertionResponseRaw {
                authenticator_data: auth_data,
                client_data_json: client_data,
                signature: signature.to_der().as_bytes().to_vec(),
                user_handle: Some(self.user_handle.clone()),
            },
            extensions: AuthenticationExtensionsClientOutputs::default(),
            type_: "public-key".to_owned(),
        };
        serde_json::to_string(&reply).expect("reply JSON")
    }

    fn client_data(&self, kind: &str, challenge: &[u8]) -> Vec<u8> {
        serde_json::json!({
            "type": kind,
            "challenge": URL_SAFE_NO_PAD.encode(challenge),
            "origin": self.origin,
            "crossOrigin": false,
        })
        .to_string()
        .into_bytes()
    }

    fn auth_data_head(&self, flags: u8, counter: u32) -> Vec<u8> {
        let mut data = Sha256::digest(self.rp_id.as_bytes()).to_vec();
        data.push(flags);
        data.extend_from_slice(&counter.to_be_bytes());
        data
    }

    /// The public key as COSE: EC2, ES256, P-256, x, y.
    fn cose_key(&self) -> Vec<u8> {
        let point = self.key.verifying_key().to_sec1_point(false);
        let point = point.as_bytes();
        let mut key = vec![0xA5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21];
        key.extend(cbor_bytes(&point[1..33]));
        key.push(0x22);
        key.extend(cbor_bytes(&point[33..65]));
        key
    }
}

fn cbor_text(text: &str) -> Vec<u8> {
    let mut out = vec![0x60 | u8::try_from(text.len()).expect("short text")];
    out.extend_from_slice(text.as_bytes());
    out
}

fn cbor_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = match bytes.len() {
        n if n < 24 => vec![0x40 | u8::try_from(n).expect("len")],
        n if n < 256 => vec![0x58, u8::try_from(n).expect("len")],
        n => {
            let mut head = vec![0x59];
            head.extend_from_slice(&u16::try_from(n).expect("len").to_be_bytes());
            head
        }
    };
    out.extend_from_slice(bytes);
    out
}
