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

/// A problem with the browser's side, said beside the passkey button.
fn problem(message: &str) -> AppError {
    let mut errors = FieldErrors::new();
    errors.add("passkey", message);
    AppError::Invalid(errors)
}

#[cfg(feature = "hydrate")]
mod authenticator {
    use super::problem;
    use crate::error::AppError;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    use webauthn_rs_proto::{
        CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential,
        RequestChallengeResponse,
    };

    fn credentials() -> Result<web_sys::CredentialsContainer, AppError> {
        let window = web_sys::window().ok_or_else(unsupported)?;
        let able = js_sys::Reflect::has(&window, &"PublicKeyCredential".into()).unwrap_or(false);
        if !able {
            return Err(unsupported());
        }
        Ok(window.navigator().credentials())
    }

    fn unsupported() -> AppError {
        problem("This browser cannot use passkeys here. Use your code or password instead.")
    }

    /// The prompt was closed, timed out, or found no passkey for Cairn.
    fn not_finished(_: wasm_bindgen::JsValue) -> AppError {
        problem("The passkey prompt closed before it finished. Try again when you are ready.")
    }

    async fn settle(promise: js_sys::Promise) -> Result<web_sys::PublicKeyCredential, AppError> {
        JsFuture::from(promise)
            .await
            .map_err(not_finished)?
            .dyn_into::<web_sys::PublicKeyCredential>()
            .map_err(not_finished)
    }

    fn json(reply: &impl serde::Serialize) -> Result<String, AppError> {
        serde_json::to_string(reply).map_err(|_| AppError::Internal)
    }

    pub async fn create(challenge: CreationChallengeResponse) -> Result<String, AppError> {
        let options = web_sys::CredentialCreationOptions::from(challenge);
        let promise = credentials()?
            .create_with_options(&options)
            .map_err(not_finished)?;
        json(&RegisterPublicKeyCredential::from(settle(promise).await?))
    }

    pub async fn get(challenge: RequestChallengeResponse) -> Result<String, AppError> {
        let options = web_sys::CredentialRequestOptions::from(challenge);
        let promise = credentials()?
            .get_with_options(&options)
            .map_err(not_finished)?;
        json(&PublicKeyCredential::from(settle(promise).await?))
    }
}

/// The server renders the buttons and never presses them.
#[cfg(not(feature = "hydrate"))]
mod authenticator {
    use crate::error::AppError;
    use webauthn_rs_proto::{CreationChallengeResponse, RequestChallengeResponse};

    pub async fn create(_: CreationChallengeResponse) -> Result<String, AppError> {
        Err(super::problem("Passkeys need the page to finish loading."))
    }

    pub async fn get(_: RequestChallengeResponse) -> Result<String, AppError> {
        Err(super::problem("Passkeys need the page to finish loading."))
    }
}
