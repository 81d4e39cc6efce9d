//! Passkeys in the browser: each ceremony begins on the server, hands its
//! challenge to the browser's authenticator (the Credential Management
//! API, through the WebAuthn library's own conversions), and finishes on
//! the server with the authenticator's reply. Nothing here decides
//! anything: the server checks every byte.

use crate::{
    api::passkeys::{
        begin_adding_passkey, begin_passkey_confirm, begin_passkey_sign_in, finish_adding_passkey,
        finish_passkey,
    },
    error::{AppError, FieldErrors},
    model::RecoveryCodes,
};

/// Whom the passkey is to prove.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prove {
    /// Anyone: signing in with a passkey alone.
    Anyone,
    /// The signed-in person (step-up), or the one whose password was just
    /// right (the second step).
    ThisPerson,
}

/// Proves someone with a passkey. Answers the session's new CSRF token.
pub async fn prove(whom: Prove, csrf_token: String) -> Result<String, AppError> {
    let challenge = match whom {
        Prove::Anyone => begin_passkey_sign_in(csrf_token.clone()).await?,
        Prove::ThisPerson => begin_passkey_confirm(csrf_token.clone()).await?,
    };
    let reply = authenticator::get(challenge).await?;
    finish_passkey(reply, csrf_token).await
}

/// Adds a passkey called `name`. Answers the session's new CSRF token and,
/// for someone who had none, their first recovery codes.
pub async fn add(
    name: String,
    csrf_token: String,
) -> Result<(String, Option<RecoveryCodes>), AppError> {
    let challenge = begin_adding_passkey(name, csrf_token.clone()).await?;
    let reply = authenticator::create(challenge).await?;
    finish_adding_passkey(reply, csrf_token).await
}

/// What to say beside a passkey control after its last attempt: a refusal
/// of the passkey itself, or any other error but a request for step-up
/// (the step-up form says that one). `None` after success or before any.
pub fn problem_with<T>(last: Option<Result<T, AppError>>) -> Option<String> {
    match last? {
        Ok(_) | Err(AppError::StepUpRequired) => None,
        Err(AppError::Invalid(errors)) => errors.get("passkey").map(str::to_owned),
        Err(other) => Some(other.to_string()),
    }
}

/// A problem with the browser's side, said beside the passkey button.
fn problem(message: &str) -> AppError {
    let mut errors = FieldErrors::new();
    errors.add("passkey", message);
    AppError::Invalid(errors)
}

#[cfg(feature = "hydrate")]
mod authenticator {
    //! The server's options are WebAuthn's JSON (binary fields in
    //! unpadded base64url); the browser wants the same objects with those
    //! fields as bytes, and answers with bytes the server wants back as
    //! base64url. This is that translation and nothing more, so the bundle
    //! carries none of the WebAuthn library.

    use super::{base64url, problem};
    use crate::error::AppError;
    use js_sys::{Array, Object, Reflect, Uint8Array};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    fn credentials() -> Result<web_sys::CredentialsContainer, AppError> {
        let window = web_sys::window().ok_or_else(unsupported)?;
        let able = Reflect::has(&window, &"PublicKeyCredential".into()).unwrap_or(false);
        if !able {
            return Err(unsupported());
        }
        Ok(window.navigator().credentials())
    }

    fn unsupported() -> AppError {
        problem("This browser cannot use passkeys here. Use your code or password instead.")
    }

    /// The prompt was closed, timed out, or found no passkey for Cairn.
    fn not_finished(_: JsValue) -> AppError {
        problem("The passkey prompt closed before it finished. Try again when you are ready.")
    }

    fn garbled(_: JsValue) -> AppError {
        AppError::BadRequest
    }

    /// The server's options, with nulls dropped (the browser reads a null
    /// enum as the string "null") and `publicKey` answered.
    fn options(text: &str) -> Result<(JsValue, JsValue), AppError> {
        let options = js_sys::JSON::parse(text).map_err(garbled)?;
        drop_nulls(&options)?;
        let public_key = Reflect::get(&options, &"publicKey".into()).map_err(garbled)?;
        bytes_at(&public_key, "challenge")?;
        Ok((options, public_key))
    }

    fn drop_nulls(value: &JsValue) -> Result<(), AppError> {
        if let Some(list) = value.dyn_ref::<Array>() {
            return list.iter().try_for_each(|item| drop_nulls(&item));
        }
        let Some(object) = value.dyn_ref::<Object>() else {
            return Ok(());
        };
        for key in Object::keys(object).iter() {
            let field = Reflect::get(object, &key).map_err(garbled)?;
            if field.is_null() {
                Reflect::delete_property(object, &key).map_err(garbled)?;
            } else {
                drop_nulls(&field)?;
            }
        }
        Ok(())
    }

    /// Replaces the base64url text at `object[key]` with its bytes.
    fn bytes_at(object: &JsValue, key: &str) -> Result<(), AppError> {
        let Some(text) = Reflect::get(object, &key.into())
            .map_err(garbled)?
            .as_string()
        else {
            return Ok(());
        };
        let bytes = base64url::decode(&text).ok_or(AppError::BadRequest)?;
        Reflect::set(object, &key.into(), &Uint8Array::from(bytes.as_slice())).map_err(garbled)?;
        Ok(())
    }

    /// Each credential id in the list at `object[key]`, as bytes.
    fn ids_at(object: &JsValue, key: &str) -> Result<(), AppError> {
        let list = Reflect::get(object, &key.into()).map_err(garbled)?;
        match list.dyn_ref::<Array>() {
            Some(list) => list.iter().try_for_each(|item| bytes_at(&item, "id")),
            None => Ok(()),
        }
    }

    async fn settle(promise: js_sys::Promise) -> Result<web_sys::PublicKeyCredential, AppError> {
        JsFuture::from(promise)
            .await
            .map_err(not_finished)?
            .dyn_into::<web_sys::PublicKeyCredential>()
            .map_err(not_finished)
    }

    fn text(buffer: &js_sys::ArrayBuffer) -> String {
        base64url::encode(&Uint8Array::new(buffer).to_vec())
    }

    /// A plain object holding `fields`.
    fn object(fields: &[(&str, JsValue)]) -> Result<Object, AppError> {
        let object = Object::new();
        for (key, value) in fields {
            Reflect::set(&object, &(*key).into(), value).map_err(garbled)?;
        }
        Ok(object)
    }

    /// The reply as the server reads it: the parts every reply has, with
    /// its `response`, as JSON text (the browser's own JSON).
    fn reply(
        credential: &web_sys::PublicKeyCredential,
        response: Object,
    ) -> Result<String, AppError> {
        let reply = object(&[
            ("id", credential.id().into()),
            ("rawId", text(&credential.raw_id()).into()),
            ("type", "public-key".into()),
            ("response", response.into()),
            ("extensions", Object::new().into()),
        ])?;
        js_sys::JSON::stringify(&reply)
            .map_err(garbled)?
            .as_string()
            .ok_or(AppError::BadRequest)
    }

    pub async fn create(challenge: String) -> Result<String, AppError> {
        let (options, public_key) = options(&challenge)?;
        let user = Reflect::get(&public_key, &"user".into()).map_err(garbled)?;
        bytes_at(&user, "id")?;
        ids_at(&public_key, "excludeCredentials")?;
        let promise = credentials()?
            .create_with_options(options.unchecked_ref())
            .map_err(not_finished)?;
        let credential = settle(promise).await?;
        let answer: web_sys::AuthenticatorAttestationResponse =
            credential.response().unchecked_into();
        let response = object(&[
            (
                "attestationObject",
                text(&answer.attestation_object()).into(),
            ),
            ("clientDataJSON", text(&answer.client_data_json()).into()),
        ])?;
        reply(&credential, response)
    }

    pub async fn get(challenge: String) -> Result<String, AppError> {
        let (options, public_key) = options(&challenge)?;
        ids_at(&public_key, "allowCredentials")?;
        let promise = credentials()?
            .get_with_options(options.unchecked_ref())
            .map_err(not_finished)?;
        let credential = settle(promise).await?;
        let answer: web_sys::AuthenticatorAssertionResponse =
            credential.response().unchecked_into();
        let user_handle = answer
            .user_handle()
            .map_or(JsValue::NULL, |handle| text(&handle).into());
        let response = object(&[
            (
                "authenticatorData",
                text(&answer.authenticator_data()).into(),
            ),
            ("clientDataJSON", text(&answer.client_data_json()).into()),
            ("signature", text(&answer.signature()).into()),
            ("userHandle", user_handle),
        ])?;
        reply(&credential, response)
    }
}

/// The server renders the buttons and never presses them.
#[cfg(not(feature = "hydrate"))]
mod authenticator {
    use crate::error::AppError;

    pub async fn create(_: String) -> Result<String, AppError> {
        Err(super::problem("Passkeys need the page to finish loading."))
    }

    pub async fn get(_: String) -> Result<String, AppError> {
        Err(super::problem("Passkeys need the page to finish loading."))
    }
}

/// Unpadded base64url, WebAuthn's spelling of bytes in JSON.
mod base64url {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            }
        }
        out
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub fn decode(text: &str) -> Option<Vec<u8>> {
        let values = text
            .trim_end_matches('=')
            .bytes()
            .map(|c| ALPHABET.iter().position(|a| *a == c).map(|v| v as u32))
            .collect::<Option<Vec<u32>>>()?;
        let mut out = Vec::with_capacity(values.len() * 3 / 4);
        for chunk in values.chunks(4) {
            if chunk.len() == 1 {
                return None;
            }
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, v)| n | v << (18 - 6 * i));
            for i in 0..chunk.len() - 1 {
                out.push((n >> (16 - 8 * i) & 255) as u8);
            }
        }
        Some(out)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn round_trips_every_length_and_matches_known_text() {
            assert_eq!(encode(b"Man"), "TWFu");
            assert_eq!(encode(&[0xfb, 0xff]), "-_8");
            assert_eq!(decode("-_8"), Some(vec![0xfb, 0xff]));
            for len in 0..40u8 {
                let bytes: Vec<u8> = (0..len).map(|i| i.wrapping_mul(37) ^ 0xa5).collect();
                assert_eq!(decode(&encode(&bytes)), Some(bytes));
            }
            assert_eq!(decode("a"), None, "a lone character is no byte");
            assert_eq!(decode("ab+c"), None, "not the URL alphabet");
        }
    }
}
