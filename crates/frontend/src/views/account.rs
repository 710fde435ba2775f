//! `/signup`, `/signin` and sign-out: the session cookie is set and cleared here.

use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use cruddur_contract::{AuthSession, SignIn, SignUp};
use serde::Deserialize;

use super::forms::FieldErrors;
use super::{FormContext, Layout, Section, render, unprocessable};
use crate::api::ApiError;
use crate::error::PageResult;
use crate::session::{CsrfForm, Viewer, clear_session_cookie, session_cookie};
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
    CsrfForm(mut form): CsrfForm<SignUpForm>,
) -> PageResult<Response> {
    let body = SignUp {
        display_name: Some(form.display_name.clone()),
        handle: Some(form.handle.clone()),
        email: Some(form.email.clone()),
        password: Some(std::mem::take(&mut form.password)),
    };
    match viewer.api(&state.api).sign_up(&body).await {
        Ok(session) => Ok(signed_in(&state, &session)),
        Err(ApiError::Validation(codes)) => Ok(unprocessable(&sign_up_page(
            &viewer,
            form,
            FieldErrors::from_codes(&codes),
        ))),
        Err(error) => Err(error.into()),
    }
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
        login: Some(form.login.clone()),
        password: Some(form.password),
    };
    let errors = match viewer.api(&state.api).sign_in(&body).await {
        Ok(session) => return Ok(signed_in(&state, &session)),
        Err(ApiError::Validation(codes)) => FieldErrors::from_codes(&codes),
        Err(ApiError::Unauthorized) => FieldErrors::general(WRONG_CREDENTIALS),
        Err(ApiError::TooManyAttempts) => FieldErrors::general(TOO_MANY_ATTEMPTS),
        Err(error) => return Err(error.into()),
    };
    Ok(unprocessable(&sign_in_page(&viewer, form.login, errors)))
}

/// Ends the session at the backend (best effort: the cookie goes either way) and forgets it.
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
    (
        AppendHeaders([(
            header::SET_COOKIE,
            clear_session_cookie(state.cookie_secure),
        )]),
        Redirect::to("/"),
    )
        .into_response()
}

fn signed_in(state: &AppState, session: &AuthSession) -> Response {
    let cookie = session_cookie(&session.token, session.expires_at, state.cookie_secure);
    (
        AppendHeaders([(header::SET_COOKIE, cookie)]),
        Redirect::to("/"),
    )
        .into_response()
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
