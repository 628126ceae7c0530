//! The token endpoint (`/token`): authorization codes and refresh tokens, client
//! authentication, ID tokens.

use crate::config::ClientConfig;
use crate::crypto::{self, now, random_token, token_hash};
use crate::db::{NewToken, Redemption, TokenRow, UserRow};
use crate::error::AppError;
use crate::keys::half_hash;
use crate::oidc::amr_list;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// An OAuth error answer of the token endpoint (RFC 6749 §5.2).
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("{0}")]
    InvalidRequest(&'static str),
    #[error("client authentication failed")]
    InvalidClient,
    #[error("{0}")]
    InvalidGrant(&'static str),
    #[error("{0}")]
    InvalidScope(&'static str),
    #[error("{0}")]
    InvalidTarget(&'static str),
    #[error("grant type not supported")]
    UnsupportedGrantType,
    #[error("the client may not use this grant")]
    UnauthorizedClient,
    #[error(transparent)]
    Internal(#[from] AppError),
}

impl TokenError {
    fn code(&self) -> &'static str {
        match self {
            TokenError::InvalidRequest(_) => "invalid_request",
            TokenError::InvalidClient => "invalid_client",
            TokenError::InvalidGrant(_) => "invalid_grant",
            TokenError::InvalidScope(_) => "invalid_scope",
            TokenError::InvalidTarget(_) => "invalid_target",
            TokenError::UnsupportedGrantType => "unsupported_grant_type",
            TokenError::UnauthorizedClient => "unauthorized_client",
            TokenError::Internal(_) => "server_error",
        }
    }
}

impl IntoResponse for TokenError {
    fn into_response(self) -> Response {
        let (status, description) = match &self {
            TokenError::Internal(e) if e.is_busy() => (
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily unavailable".to_string(),
            ),
            TokenError::Internal(e) => {
                tracing::error!(error = %e, "token endpoint failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error".to_string(),
                )
            }
            TokenError::InvalidClient => (StatusCode::UNAUTHORIZED, self.to_string()),
            _ => (StatusCode::BAD_REQUEST, self.to_string()),
        };
        let mut response = (
            status,
            no_store(),
            axum::Json(json!({ "error": self.code(), "error_description": description })),
        )
            .into_response();
        if matches!(&self, TokenError::Internal(e) if e.is_busy()) {
            response = crate::error::busy(response);
        }
        if matches!(self, TokenError::InvalidClient) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"sesame\""),
            );
        }
        response
    }
}

fn no_store() -> [(header::HeaderName, HeaderValue); 2] {
    [
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::PRAGMA, HeaderValue::from_static("no-cache")),
    ]
}

impl From<crate::db::DbError> for TokenError {
    fn from(e: crate::db::DbError) -> Self {
        TokenError::Internal(e.into())
    }
}

/// `POST /token`.
pub async fn token(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match exchange(&state, &headers, &body).await {
        Ok(body) => (StatusCode::OK, no_store(), axum::Json(body)).into_response(),
        Err(e) => e.into_response(),
    }
}

fn form(body: &[u8]) -> Result<HashMap<String, String>, TokenError> {
    let mut params = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(body).into_owned() {
        if params.insert(k, v).is_some() {
            return Err(TokenError::InvalidRequest("a parameter is repeated"));
        }
    }
    Ok(params)
}

/// The credentials after an auth scheme name, which is case-insensitive (RFC 7235 §2.1).
pub fn strip_scheme<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (name, rest) = value.split_once(' ')?;
    name.eq_ignore_ascii_case(scheme).then(|| rest.trim())
}

/// The id and secret of an `Authorization: Basic` header, each form-urlencoded as RFC 6749
/// §2.3.1 has them; `Err` when the header is there but broken.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, TokenError> {
    let Some(b64) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| strip_scheme(v, "Basic"))
    else {
        return Ok(None);
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|_| TokenError::InvalidClient)?;
    let text = String::from_utf8(decoded).map_err(|_| TokenError::InvalidClient)?;
    let (id, secret) = text.split_once(':').ok_or(TokenError::InvalidClient)?;
    let decode = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Ok(Some((decode(id), decode(secret))))
}

/// Identifies and authenticates the client: `client_secret_basic`, `client_secret_post`, or
/// `none` for public clients. Exactly one method may be used.
fn authenticate<'a>(
    state: &'a AppState,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Result<&'a ClientConfig, TokenError> {
    let (id, secret) = match (basic_credentials(headers)?, params.get("client_secret")) {
        (Some(_), Some(_)) => {
            return Err(TokenError::InvalidRequest(
                "use one client authentication method",
            ))
        }
        (Some((id, secret)), None) => {
            if params.get("client_id").is_some_and(|c| *c != id) {
                return Err(TokenError::InvalidClient);
            }
            (id, Some(secret))
        }
        (None, secret) => (
            params
                .get("client_id")
                .cloned()
                .ok_or(TokenError::InvalidClient)?,
            secret.cloned(),
        ),
    };
    let client = state.client(&id).ok_or(TokenError::InvalidClient)?;
    match (&client.secret, secret) {
        (Some(expected), Some(given)) if crypto::ct_eq(&expected.0, &given) => Ok(client),
        (None, None) => Ok(client),
        _ => Err(TokenError::InvalidClient),
    }
}

/// Who asks at `/introspect`.
enum Introspector<'a> {
    /// An API: it sees the tokens issued for it.
    Resource(&'a crate::config::ResourceConfig),
    /// A confidential application: it sees its own tokens.
    Client(&'a ClientConfig),
}

/// `POST /introspect` (RFC 7662): whether a token is active, and what it is for. APIs
/// (`[[resources]]` with a secret) authenticate with Basic; applications with their client
/// credentials. A token the caller may not see is answered as inactive.
pub async fn introspect(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match introspection(&state, &headers, &body).await {
        Ok(body) => (StatusCode::OK, no_store(), axum::Json(body)).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn introspection(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, TokenError> {
    let params = form(body)?;
    let resource = basic_credentials(headers)?.and_then(|(id, secret)| {
        state.config.resources.iter().find(|r| {
            r.id == id
                && r.secret
                    .as_ref()
                    .is_some_and(|s| crypto::ct_eq(&s.0, &secret))
        })
    });
    let who = match resource {
        Some(r) => Introspector::Resource(r),
        None => {
            let client = authenticate(state, headers, &params)?;
            if client.secret.is_none() {
                return Err(TokenError::InvalidClient);
            }
            Introspector::Client(client)
        }
    };
    let token = params
        .get("token")
        .ok_or(TokenError::InvalidRequest("token is required"))?;
    let inactive = Ok(json!({ "active": false }));
    let Some(row) = state.db.token(&token_hash(token)).await? else {
        return inactive;
    };
    let now = now();
    let live = row.revoked_at.is_none()
        && row.expires_at > now
        && !(row.kind == "refresh" && row.used_at.is_some());
    let audience: Vec<&str> = row
        .resources
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let visible = match &who {
        Introspector::Resource(r) => audience.contains(&r.indicator.as_str()),
        Introspector::Client(c) => c.id == row.client_id,
    };
    let user_ok = state
        .db
        .user_by_id(&row.user_id)
        .await?
        .is_some_and(|u| u.suspended_at.is_none());
    if !(live && visible && user_ok) {
        return inactive;
    }
    let mut body = json!({
        "active": true,
        "scope": row.scope,
        "client_id": row.client_id,
        "sub": row.user_id,
        "iss": state.issuer,
        "exp": row.expires_at,
        "iat": row.created_at,
        "token_type": if row.kind == "access" { "Bearer" } else { "refresh_token" },
    });
    if !audience.is_empty() {
        body["aud"] = json!(audience);
    }
    if let Some(org) = &row.organization_id {
        body["organization_id"] = json!(org);
    }
    Ok(body)
}

async fn exchange(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<Value, TokenError> {
    let params = form(body)?;
    let client = authenticate(state, headers, &params)?;
    match params.get("grant_type").map(String::as_str) {
        Some("authorization_code") => authorization_code(state, client, &params).await,
        Some("refresh_token") => refresh_token(state, client, &params).await,
        Some(TOKEN_EXCHANGE) => token_exchange(state, client, &params).await,
        Some(_) => Err(TokenError::UnsupportedGrantType),
        None => Err(TokenError::InvalidRequest("grant_type is required")),
    }
}

/// The token-exchange grant (RFC 8693).
pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// The subject token type of a personal access token.
pub const PAT_TOKEN_TYPE: &str = "urn:sesame:params:oauth:token-type:personal_access_token";

/// A personal access token exchanged by a confidential client for an access token that acts
/// as the token's user (no refresh token, no ID token).
async fn token_exchange(
    state: &AppState,
    client: &ClientConfig,
    params: &HashMap<String, String>,
) -> Result<Value, TokenError> {
    if client.secret.is_none() {
        return Err(TokenError::UnauthorizedClient);
    }
    let subject = params
        .get("subject_token")
        .ok_or(TokenError::InvalidRequest("subject_token is required"))?;
    if params.get("subject_token_type").map(String::as_str) != Some(PAT_TOKEN_TYPE) {
        return Err(TokenError::InvalidRequest(
            "subject_token_type must be a personal access token",
        ));
    }
    let now = now();
    let pat = state
        .db
        .use_personal_token(&token_hash(subject), now)
        .await?
        .ok_or(TokenError::InvalidGrant(
            "unknown, revoked or expired personal access token",
        ))?;
    let user = state
        .db
        .user_by_id(&pat.user_id)
        .await?
        .filter(|u| u.suspended_at.is_none())
        .ok_or(TokenError::InvalidGrant(
            "the user no longer exists or is suspended",
        ))?;
    let resource = match params.get("resource") {
        Some(r) => {
            let api = state
                .config
                .resource(r)
                .filter(|api| {
                    client
                        .allowed_resources
                        .as_ref()
                        .is_none_or(|ids| ids.contains(&api.id))
                })
                .ok_or(TokenError::InvalidTarget("unknown or not allowed resource"))?;
            Some(api)
        }
        None => None,
    };
    let asked: Vec<&str> = params
        .get("scope")
        .map(|s| s.split(' ').filter(|x| !x.is_empty()).collect())
        .unwrap_or_else(|| vec!["openid"]);
    for s in &asked {
        let known = crate::oidc::SCOPES.contains(s) && client.allowed_scopes.iter().any(|a| a == s);
        let of_api = resource.is_some_and(|api| api.scopes.iter().any(|x| x.name == *s));
        if !known && !of_api {
            return Err(TokenError::InvalidScope(
                "scope not allowed for this client",
            ));
        }
    }
    let scope = asked.join(" ");
    let access = random_token();
    let ttl = state.config.tokens.access_token_ttl_secs;
    state
        .db
        .insert_tokens(&[NewToken {
            hash: &token_hash(&access),
            kind: "access",
            grant_id: &crate::flow::account::exchange_grant(&pat.id),
            client_id: &client.id,
            user_id: &user.id,
            scope: &scope,
            sid: None,
            auth_time: now,
            amr: "pat",
            nonce: None,
            created_at: now,
            expires_at: now + ttl,
            policy: None,
            resources: resource.map(|r| r.indicator.as_str()),
            organization_id: None,
        }])
        .await
        .map_err(AppError::from)?;
    tracing::info!(user = %user.id, client = %client.id, token = %pat.id, "personal access token exchanged");
    Ok(json!({
        "access_token": access,
        "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
        "token_type": "Bearer",
        "expires_in": ttl,
        "scope": scope,
    }))
}

async fn authorization_code(
    state: &AppState,
    client: &ClientConfig,
    params: &HashMap<String, String>,
) -> Result<Value, TokenError> {
    let code = params
        .get("code")
        .ok_or(TokenError::InvalidRequest("code is required"))?;
    let now = now();
    let row = match state
        .db
        .redeem_code(&token_hash(code), &client.id, now)
        .await?
    {
        Redemption::Fresh(row) => row,
        Redemption::Replayed(grant_id) => {
            // A second use means the code leaked: revoke what the first use obtained.
            let revoked = state.db.revoke_grant(&grant_id, now).await?;
            tracing::warn!(client = %client.id, revoked, "authorization code replayed; grant revoked");
            return Err(TokenError::InvalidGrant("the code was already used"));
        }
        // Another client's code is refused without consuming it, so presenting a leaked
        // code cannot revoke the rightful client's grant.
        Redemption::WrongClient => {
            return Err(TokenError::InvalidGrant(
                "the code was issued to another client",
            ))
        }
        Redemption::Unknown => return Err(TokenError::InvalidGrant("unknown code")),
    };
    if row.expires_at <= now {
        return Err(TokenError::InvalidGrant("the code has expired"));
    }
    if params.get("redirect_uri") != Some(&row.redirect_uri) {
        return Err(TokenError::InvalidGrant("redirect_uri does not match"));
    }
    match (&row.code_challenge, params.get("code_verifier")) {
        (Some(challenge), Some(verifier)) => {
            let valid = (43..=128).contains(&verifier.len())
                && crypto::ct_eq(&crypto::sha256_b64(verifier.as_bytes()), challenge);
            if !valid {
                return Err(TokenError::InvalidGrant("code_verifier does not match"));
            }
        }
        (Some(_), None) => return Err(TokenError::InvalidGrant("code_verifier is required")),
        (None, Some(_)) => {
            return Err(TokenError::InvalidGrant(
                "code_verifier sent for a code issued without code_challenge",
            ))
        }
        (None, None) => {}
    }
    let user = state
        .db
        .user_by_id(&row.user_id)
        .await?
        .filter(|u| u.suspended_at.is_none())
        .ok_or(TokenError::InvalidGrant(
            "the user no longer exists or is suspended",
        ))?;
    let grant = Grant {
        id: &row.grant_id,
        scope: &row.scope,
        granted: &row.scope,
        sid: row.sid.as_deref(),
        auth_time: row.auth_time,
        amr: &row.amr,
        nonce: row.nonce.as_deref(),
        policy: row.policy.as_deref(),
        resources: row.resources.as_deref(),
        organization_id: row.organization_id.as_deref(),
    };
    issue(state, client, &user, &grant).await
}

async fn refresh_token(
    state: &AppState,
    client: &ClientConfig,
    params: &HashMap<String, String>,
) -> Result<Value, TokenError> {
    let presented = params
        .get("refresh_token")
        .ok_or(TokenError::InvalidRequest("refresh_token is required"))?;
    let now = now();
    let row: TokenRow = match state
        .db
        .redeem_refresh(&token_hash(presented), &client.id, now)
        .await?
    {
        Redemption::Fresh(row) => row,
        Redemption::Replayed(grant_id) => {
            let revoked = state.db.revoke_grant(&grant_id, now).await?;
            tracing::warn!(client = %client.id, revoked, "refresh token reused; grant revoked");
            return Err(TokenError::InvalidGrant(
                "the refresh token is no longer valid",
            ));
        }
        Redemption::WrongClient => {
            return Err(TokenError::InvalidGrant(
                "the token was issued to another client",
            ))
        }
        Redemption::Unknown => return Err(TokenError::InvalidGrant("unknown refresh token")),
    };
    if row.expires_at <= now || row.revoked_at.is_some() {
        return Err(TokenError::InvalidGrant("the refresh token has expired"));
    }
    // A narrower scope may be asked for, never a wider one.
    let granted: Vec<&str> = row.scope.split(' ').collect();
    let scope = match params.get("scope") {
        Some(asked) => {
            let asked: Vec<&str> = asked.split(' ').filter(|s| !s.is_empty()).collect();
            if asked.iter().any(|s| !granted.contains(s)) {
                return Err(TokenError::InvalidScope("scope exceeds the original grant"));
            }
            asked.join(" ")
        }
        None => row.scope.clone(),
    };
    let user = state
        .db
        .user_by_id(&row.user_id)
        .await?
        .filter(|u| u.suspended_at.is_none())
        .ok_or(TokenError::InvalidGrant(
            "the user no longer exists or is suspended",
        ))?;
    // A token for an organization the user has left is not renewed.
    if let Some(org) = &row.organization_id {
        if state.db.member_role(org, &user.id).await?.is_none() {
            return Err(TokenError::InvalidGrant(
                "the user is no longer a member of the organization",
            ));
        }
    }
    let grant = Grant {
        id: &row.grant_id,
        scope: &scope,
        granted: &row.scope,
        sid: row.sid.as_deref(),
        auth_time: row.auth_time,
        amr: &row.amr,
        nonce: None,
        policy: row.policy.as_deref(),
        resources: row.resources.as_deref(),
        organization_id: row.organization_id.as_deref(),
    };
    issue(state, client, &user, &grant).await
}

/// What one grant carries from the authorization to every token of it.
struct Grant<'a> {
    id: &'a str,
    /// The scope of this token response (a refresh may narrow it).
    scope: &'a str,
    /// The scope of the whole grant: a new refresh token keeps it (RFC 6749 §6).
    granted: &'a str,
    sid: Option<&'a str>,
    auth_time: i64,
    amr: &'a str,
    nonce: Option<&'a str>,
    /// The user flow (`p`) of the authorization.
    policy: Option<&'a str>,
    /// The APIs the access tokens are for (space-separated).
    resources: Option<&'a str>,
    /// The organization of the authorization.
    organization_id: Option<&'a str>,
}

async fn issue<'a>(
    state: &AppState,
    client: &ClientConfig,
    user: &UserRow,
    grant: &Grant<'a>,
) -> Result<Value, TokenError> {
    let now = now();
    let ttl = &state.config.tokens;
    let access = random_token();
    let scopes: Vec<&str> = grant.scope.split(' ').collect();
    let refresh = grant
        .granted
        .split(' ')
        .any(|s| s == "offline_access")
        .then(random_token);
    let access_row = (
        token_hash(&access),
        "access",
        grant.scope,
        now + ttl.access_token_ttl_secs,
    );
    let refresh_row = refresh.as_deref().map(|r| {
        (
            token_hash(r),
            "refresh",
            grant.granted,
            now + ttl.refresh_token_ttl_secs,
        )
    });
    let rows: Vec<NewToken<'_>> = std::iter::once(&access_row)
        .chain(refresh_row.as_ref())
        .map(|(hash, kind, scope, expires_at)| NewToken {
            hash,
            kind,
            grant_id: grant.id,
            client_id: &client.id,
            user_id: &user.id,
            scope,
            sid: grant.sid,
            auth_time: grant.auth_time,
            amr: grant.amr,
            nonce: grant.nonce,
            created_at: now,
            expires_at: *expires_at,
            policy: grant.policy,
            resources: grant.resources,
            organization_id: grant.organization_id,
        })
        .collect();
    // Both tokens of the response in one statement: one write, not two.
    state.db.insert_tokens(&rows).await?;
    let mut body = Map::new();
    body.insert("access_token".into(), json!(access));
    body.insert("token_type".into(), json!("Bearer"));
    body.insert("expires_in".into(), json!(ttl.access_token_ttl_secs));
    body.insert("scope".into(), json!(grant.scope));
    if let Some(refresh) = refresh {
        body.insert("refresh_token".into(), json!(refresh));
    }
    // A refresh that narrows the scope below openid gets no ID token.
    if !scopes.contains(&"openid") {
        return Ok(Value::Object(body));
    }
    let id_token = id_token(
        state,
        client,
        user,
        &IdTokenFacts {
            sid: grant.sid,
            auth_time: grant.auth_time,
            amr: grant.amr,
            nonce: grant.nonce,
            scopes: &scopes,
            hashes: vec![("at_hash", half_hash(&access))],
            policy: grant.policy,
            extra: crate::flow::organization::claims(
                state,
                &client.id,
                &user.id,
                &scopes,
                grant.organization_id,
            )
            .await?,
        },
    )?;
    body.insert("id_token".into(), json!(id_token));
    Ok(Value::Object(body))
}

/// What an ID token says beyond the user: how and when they authenticated, and for which
/// request.
pub struct IdTokenFacts<'a> {
    pub sid: Option<&'a str>,
    pub auth_time: i64,
    pub amr: &'a str,
    pub nonce: Option<&'a str>,
    pub scopes: &'a [&'a str],
    /// `at_hash` and `c_hash` of what is issued with it.
    pub hashes: Vec<(&'static str, String)>,
    /// The user flow (`p`): named in `tfp` or `acr`, and its claims released only.
    pub policy: Option<&'a str>,
    /// Claims from beyond the user row (organizations).
    pub extra: Map<String, Value>,
}

/// Signs an ID token for `user` and `client`.
pub fn id_token(
    state: &AppState,
    client: &ClientConfig,
    user: &UserRow,
    f: &IdTokenFacts<'_>,
) -> Result<String, AppError> {
    let now = now();
    let flow = f.policy.and_then(|p| state.config.user_flow(p));
    let mut claims = Map::new();
    claims.insert("iss".into(), json!(state.issuer));
    claims.insert("sub".into(), json!(user.id));
    claims.insert("aud".into(), json!(client.id));
    claims.insert("azp".into(), json!(client.id));
    claims.insert("iat".into(), json!(now));
    claims.insert(
        "exp".into(),
        json!(now + state.config.tokens.id_token_ttl_secs),
    );
    claims.insert("auth_time".into(), json!(f.auth_time));
    claims.insert("amr".into(), json!(amr_list(f.amr)));
    claims.insert("acr".into(), json!(crate::mfa::level(f.amr).acr()));
    for (name, value) in &f.hashes {
        claims.insert((*name).into(), json!(value));
    }
    if let Some(sid) = f.sid {
        claims.insert("sid".into(), json!(sid));
    }
    if let Some(nonce) = f.nonce {
        claims.insert("nonce".into(), json!(nonce));
    }
    if let Some(flow) = flow {
        // B2C names the flow in `tfp`, or in `acr` where the operator chose that.
        let name = match state.config.b2c.flow_claim {
            crate::config::FlowClaim::Tfp => "tfp",
            crate::config::FlowClaim::Acr => "acr",
        };
        claims.insert(name.into(), json!(flow.name));
    }
    for (name, value) in &f.extra {
        claims.insert(name.clone(), value.clone());
    }
    // The token's own claims always win over user data of the same name; a user flow
    // releases only the claims it lists.
    for (name, value) in user_claims(user, f.scopes) {
        let released = flow
            .and_then(|fl| fl.claims.as_ref())
            .is_none_or(|list| list.contains(&name));
        if released {
            claims.entry(name).or_insert(value);
        }
    }
    state
        .keys
        .sign(&client.id_token_signed_response_alg, "JWT", claims)
        .map_err(AppError::from)
}

/// The profile claims of `user` that `scopes` release (OpenID Connect Core §5.4).
pub fn user_claims(user: &UserRow, scopes: &[&str]) -> Map<String, Value> {
    let mut claims = Map::new();
    if scopes.contains(&"profile") {
        if let Some(u) = &user.username {
            claims.insert("preferred_username".into(), json!(u));
        }
    }
    if scopes.contains(&"email") {
        if let Some(e) = &user.email {
            claims.insert("email".into(), json!(e));
            claims.insert("email_verified".into(), json!(user.email_verified != 0));
        }
    }
    if scopes.contains(&"phone") {
        if let Some(p) = &user.phone {
            claims.insert("phone_number".into(), json!(p));
            claims.insert(
                "phone_number_verified".into(),
                json!(user.phone_verified != 0),
            );
        }
    }
    // Collected profile fields: `address` with the address scope, the rest with profile.
    for (name, value) in user.profile_claims() {
        let scope = if name == "address" {
            "address"
        } else {
            "profile"
        };
        if scopes.contains(&scope) {
            claims.insert(name, value);
        }
    }
    claims
}
