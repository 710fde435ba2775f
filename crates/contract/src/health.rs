//! Liveness and readiness bodies.

use serde::{Deserialize, Serialize};

/// `GET /api/health-check`: the process is up. Shape kept from week 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthCheck {
    pub success: bool,
    pub ver: u32,
}

/// `GET /api/ready`: the process can serve, i.e. its SQL store answers. The message store is
/// reported in `stores` but does not decide `ready`: without it only messaging is down.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Readiness {
    pub ready: bool,
    /// Each store by name, with whether it answered.
    pub stores: Vec<StoreStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoreStatus {
    pub name: String,
    pub ok: bool,
}
