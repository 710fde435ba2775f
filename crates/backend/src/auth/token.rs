//! Bearer tokens: HS256 JWTs naming a user and a stored session.
//!
//! The signature proves we issued the token; the session row makes sign-out real (a deleted
//! session's token stops working before it expires). Expiry is checked against the app's
//! clock, not the system's, so tests can move time.

use chrono::{DateTime, TimeDelta, Utc};
use cruddur_contract::{SessionId, UserId};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// How long a sign-in lasts.
pub const SESSION_TTL: TimeDelta = TimeDelta::days(7);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's uuid.
    pub sub: UserId,
    /// The session's uuid.
    pub sid: SessionId,
    pub iat: i64,
    pub exp: i64,
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    Invalid,
    Expired,
}

impl TokenKeys {
    pub fn new(secret: &SecretString) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        // Checked by `verify` against the app clock instead.
        validation.validate_exp = false;
        validation.required_spec_claims = ["sub", "exp"].into_iter().map(String::from).collect();
        TokenKeys {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation,
        }
    }

    pub fn issue(
        &self,
        user: UserId,
        session: SessionId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<(String, DateTime<Utc>)> {
        let expires_at = now + SESSION_TTL;
        let claims = Claims {
            sub: user,
            sid: session,
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((token, expires_at))
    }

    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, TokenError> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| TokenError::Invalid)?
            .claims;
        if now.timestamp() >= claims.exp {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &str) -> TokenKeys {
        TokenKeys::new(&secret.to_owned().into())
    }

    #[test]
    fn a_token_verifies_until_it_expires() {
        let keys = keys("a secret that is long enough to sign tokens");
        let now = Utc::now();
        let (user, session) = (UserId::random(), SessionId::random());
        let (token, expires_at) = keys.issue(user, session, now).unwrap();
        let claims = keys.verify(&token, now).unwrap();
        assert_eq!((claims.sub, claims.sid), (user, session));
        assert_eq!(
            keys.verify(&token, expires_at - TimeDelta::seconds(1)),
            Ok(claims)
        );
        assert_eq!(keys.verify(&token, expires_at), Err(TokenError::Expired));
    }

    #[test]
    fn a_token_from_another_secret_or_tampered_is_invalid() {
        let now = Utc::now();
        let ours = keys("a secret that is long enough to sign tokens");
        let theirs = keys("another secret, also long enough to sign");
        let (token, _) = theirs
            .issue(UserId::random(), SessionId::random(), now)
            .unwrap();
        assert_eq!(ours.verify(&token, now), Err(TokenError::Invalid));
        assert_eq!(ours.verify("not.a.token", now), Err(TokenError::Invalid));
    }
}
