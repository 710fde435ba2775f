//! `/signup`, `/signin` and sign-out: sessions start and end here (the session layer sets
//! and clears the cookies).

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use cruddur_contract::account::{DISPLAY_NAME_MAX_CHARS, EMAIL_MAX_CHARS};
use cruddur_contract::handle::HANDLE_MAX_CHARS;
use cruddur_contract::{AuthSession, SignIn, SignUp};
use serde::Deserialize;

use super::filters;
use super::forms::{FieldErrors, FormContext, kept};
use super::layout::{Layout, Section};
use super::render::{render, unprocessable};
use crate::api::ApiError;
use crate::error::PageResult;
use crate::session::{CsrfForm, SessionChange, Viewer};
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "account/signup.html")]
pub struct SignUpPage {
    pub layout: Layout,
    pub forms: FormContext,
    pub form: SignUpForm,
    pub errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "account/signin.html")]
pub struct SignInPage {
    pub layout: Layout,
    pub forms: FormContext,
    pub login: String,
    pub errors: FieldErrors,
}

#[derive(Debug, Default, Deserialize)]
pub struct SignUpForm {
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub handle: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    password: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
}

/// A form that carries nothing but its CSRF token.
#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

/// What a wrong login or password is called: the backend does not say which was wrong.
const WRONG_CREDENTIALS: &str = "That handle or email and password do not match an account.";
const TOO_MANY_ATTEMPTS: &str = "Too many sign-in attempts: wait a minute and try again.";
const TOO_LONG_CREDENTIALS: &str = "That is too long to be a handle, an email or a password.";

pub async fn show_sign_up(viewer: Viewer) -> Response {
    if viewer.user.is_some() {
        return Redirect::to("/").into_response();
    }
    render(&sign_up_page(
        &viewer,
        SignUpForm::default(),
        FieldErrors::default(),
    ))
}

pub async fn sign_up(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<SignUpForm>,
) -> PageResult<Response> {
    let body = SignUp {
        display_name: Some(form.display_name),
        handle: Some(form.handle),
        email: Some(form.email),
        password: Some(form.password),
    };
    let codes = match body.validate() {
        Err(codes) => codes,
        // Nothing in a valid sign-up comes near the backend's body limit: a 413 is its page.
        Ok(_) => match viewer.api(&state.api).sign_up(&body).await {
            Ok(session) => return Ok(signed_in(&session)),
            Err(ApiError::Validation(codes)) => codes,
            Err(error) => return Err(error.into()),
        },
    };
    let field =
        |value: &Option<String>, max_chars| kept(value.as_deref().unwrap_or_default(), max_chars);
    // The password is never sent back.
    let form = SignUpForm {
        display_name: field(&body.display_name, DISPLAY_NAME_MAX_CHARS),
        handle: field(&body.handle, HANDLE_MAX_CHARS),
        email: field(&body.email, EMAIL_MAX_CHARS),
        password: String::new(),
    };
    let errors = FieldErrors::from_codes(&codes);
    Ok(unprocessable(&sign_up_page(&viewer, form, errors)))
}

pub async fn show_sign_in(viewer: Viewer) -> Response {
    if viewer.user.is_some() {
        return Redirect::to("/").into_response();
    }
    render(&sign_in_page(
        &viewer,
        String::new(),
        FieldErrors::default(),
    ))
}

pub async fn sign_in(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<SignInForm>,
) -> PageResult<Response> {
    let body = SignIn {
        login: Some(form.login),
        password: Some(form.password),
    };
    let errors = match body.validate() {
        Err(codes) => FieldErrors::from_codes(&codes),
        Ok(_) => match viewer.api(&state.api).sign_in(&body).await {
            Ok(session) => return Ok(signed_in(&session)),
            Err(ApiError::Validation(codes)) => FieldErrors::from_codes(&codes),
            Err(ApiError::Unauthorized) => FieldErrors::general(WRONG_CREDENTIALS),
            Err(ApiError::TooManyAttempts) => FieldErrors::general(TOO_MANY_ATTEMPTS),
            Err(ApiError::TooLarge) => FieldErrors::general(TOO_LONG_CREDENTIALS),
            Err(error) => return Err(error.into()),
        },
    };
    let login = kept(body.login.as_deref().unwrap_or_default(), EMAIL_MAX_CHARS);
    Ok(unprocessable(&sign_in_page(&viewer, login, errors)))
}

/// Ends the session at the backend (best effort: the cookie goes either way) and forgets it;
/// the browser gets a fresh anonymous id, so no form token from before stays good.
pub async fn sign_out(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Response {
    if viewer.user.is_some()
        && let Err(error) = viewer.api(&state.api).sign_out().await
    {
        tracing::warn!(%error, "sign-out at the backend failed");
    }
    (SessionChange::SignedOut, Redirect::to("/")).into_response()
}

/// Signs the browser in with `session` (the session layer sets the cookie).
fn signed_in(session: &AuthSession) -> Response {
    (SessionChange::signed_in(session), Redirect::to("/")).into_response()
}

fn sign_up_page(viewer: &Viewer, form: SignUpForm, errors: FieldErrors) -> SignUpPage {
    SignUpPage {
        layout: Layout::for_viewer(viewer, "Sign up", Section::Other),
        forms: FormContext::new(viewer, "/"),
        form,
        errors,
    }
}

fn sign_in_page(viewer: &Viewer, login: String, errors: FieldErrors) -> SignInPage {
    SignInPage {
        layout: Layout::for_viewer(viewer, "Sign in", Section::Other),
        forms: FormContext::new(viewer, "/"),
        login,
        errors,
    }
}
