//! What every handler can reach.

use std::sync::Arc;

use cruddur_contract::Handle;
use cruddur_store::{MessageStore, Store};

use crate::auth::rate_limit::{SignInLimiter, SignUpLimiter};
use crate::auth::token::TokenKeys;
use crate::client_ip::ClientAddresses;
use crate::clock::Clock;
use crate::metrics::ApiMetrics;
use crate::read_cache::Reads;
use crate::search_gate::SearchGate;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub messages: Arc<dyn MessageStore>,
    pub clock: Arc<dyn Clock>,
    pub tokens: Arc<TokenKeys>,
    /// Handle that unauthenticated requests act as, when demo mode is on.
    pub demo_user: Option<Arc<Handle>>,
    pub sign_in_limiter: Arc<SignInLimiter>,
    pub sign_up_limiter: Arc<SignUpLimiter>,
    /// Pages ready to send: public pages of cruds, and signed-in users' own.
    pub reads: Arc<Reads>,
    /// Whose `X-Forwarded-For` names the client (the web frontend, a reverse proxy).
    pub clients: Arc<ClientAddresses>,
    /// Turns to search, a few at a time.
    pub searches: Arc<SearchGate>,
    pub metrics: ApiMetrics,
}
