//! Who is calling: one extractor that reads the JWT claims from the request
//! context, where the API Gateway HTTP API JWT authorizer puts them in Lambda
//! and where [`dev_auth_layer`] puts them locally, so handlers cannot tell the
//! difference.
use super::problem::ApiError;
use aws_lambda_events::apigw::{
    ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerJwtDescription,
    ApiGatewayV2httpRequestContext,
};
use axum::extract::FromRequestParts;
use axum::http::{Request, header, request::Parts};
use jsonwebtoken::DecodingKey;
use kt_domain::TenantId;
use lambda_http::request::RequestContext;
use std::collections::HashMap;
use std::sync::Arc;
use std::task::{Context, Poll};

/// A permission a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Read,
    Write,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "exports:read",
            Self::Write => "exports:write",
        }
    }
}

/// The authenticated caller: who (`sub`), for which tenant, allowed to do what.
#[derive(Debug, Clone)]
pub struct Caller {
    pub sub: String,
    pub tenant: TenantId,
    pub scopes: Vec<String>,
}

impl Caller {
    /// 403 unless the token carries `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.scopes.iter().any(|s| s == scope.as_str()) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(scope.as_str()))
        }
    }

    fn from_context(ctx: &RequestContext) -> Result<Self, ApiError> {
        const INVALID: ApiError = ApiError::Unauthorized("missing or invalid bearer token");
        let RequestContext::ApiGatewayV2(ctx) = ctx else {
            return Err(INVALID);
        };
        let jwt = ctx
            .authorizer
            .as_ref()
            .and_then(|a| a.jwt.as_ref())
            .ok_or(INVALID)?;
        let claim = |name: &str| jwt.claims.get(name).map(String::as_str).unwrap_or("");
        let sub = claim("sub");
        if sub.is_empty() {
            return Err(INVALID);
        }
        let tenant = TenantId::parse(claim("tenant_id"))
            .map_err(|_| ApiError::Unauthorized("the token's tenant_id is not a valid tenant"))?;
        let mut scopes = scope_claim(claim("scope"));
        scopes.extend(scope_claim(claim("scp")));
        scopes.extend(jwt.scopes.iter().flatten().cloned());
        Ok(Self {
            sub: sub.to_string(),
            tenant,
            scopes,
        })
    }
}

/// The scopes in a `scope` (OAuth 2, space-separated) or `scp` claim. Okta and
/// Entra ID send `scp`, as a JSON array or a space-separated string; API
/// Gateway flattens an array claim to `[a b]` (or `["a","b"]`), so brackets,
/// quotes and commas are separators here, never part of a scope.
fn scope_claim(value: &str) -> Vec<String> {
    value
        .split(|c: char| c.is_whitespace() || matches!(c, '[' | ']' | ',' | '"'))
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        match parts.extensions.get::<RequestContext>() {
            Some(ctx) => Self::from_context(ctx),
            None if parts.extensions.get::<ExpiredToken>().is_some() => Err(
                ApiError::Unauthorized("the bearer token has expired; get a new one"),
            ),
            None => Err(ApiError::Unauthorized("missing or invalid bearer token")),
        }
    }
}

/// Mints an HS256 token like the one the dev server accepts (`kt dev token`, tests).
pub use kt_devtoken::mint as dev_token;

/// Locally, verifies `Authorization: Bearer <HS256 token>` and puts its claims
/// where API Gateway's JWT authorizer would. A request without a valid token
/// passes on with no claims, so the extractor answers 401 (and `/healthz` works).
pub fn dev_auth_layer(secret: String) -> DevAuthLayer {
    DevAuthLayer {
        key: Arc::new(kt_devtoken::decoding_key(&secret)),
    }
}

#[derive(Clone)]
pub struct DevAuthLayer {
    key: Arc<DecodingKey>,
}

impl<S> tower::Layer<S> for DevAuthLayer {
    type Service = DevAuth<S>;
    fn layer(&self, inner: S) -> DevAuth<S> {
        DevAuth {
            inner,
            key: self.key.clone(),
        }
    }
}

/// The service [`DevAuthLayer`] wraps around the router.
#[derive(Clone)]
pub struct DevAuth<S> {
    inner: S,
    key: Arc<DecodingKey>,
}

impl<S, B> tower::Service<Request<B>> for DevAuth<S>
where
    S: tower::Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> S::Future {
        let context = verify_dev_token(&req, &self.key);
        let extensions = req.extensions_mut();
        extensions.remove::<ExpiredToken>();
        match context {
            Ok(ctx) => {
                extensions.insert(ctx);
            }
            Err(rejected) => {
                extensions.remove::<RequestContext>();
                if rejected == Rejected::Expired {
                    extensions.insert(ExpiredToken);
                }
            }
        }
        self.inner.call(req)
    }
}

/// A signed token past its `exp`: the extractor says so instead of
/// "invalid" (locally; in AWS the JWT authorizer answers before the API).
#[derive(Debug, Clone, Copy)]
struct ExpiredToken;

/// Why a request carries no verified claims.
#[derive(Debug, PartialEq, Eq)]
enum Rejected {
    /// No `Authorization: Bearer`, or a token that does not verify.
    Invalid,
    /// A token this server signed, expired.
    Expired,
}

fn verify_dev_token<B>(req: &Request<B>, key: &DecodingKey) -> Result<RequestContext, Rejected> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(Rejected::Invalid)?;
    let (kind, token) = value.split_once(' ').ok_or(Rejected::Invalid)?;
    if !kind.eq_ignore_ascii_case("bearer") {
        return Err(Rejected::Invalid);
    }
    let claims = match kt_devtoken::verify(token, key) {
        Ok(claims) => claims,
        Err(e) => {
            tracing::debug!(error = %e, "dev token rejected");
            return Err(match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => Rejected::Expired,
                _ => Rejected::Invalid,
            });
        }
    };
    let mut jwt = ApiGatewayRequestAuthorizerJwtDescription::default();
    jwt.claims = HashMap::from([
        ("sub".to_string(), claims.sub),
        ("tenant_id".to_string(), claims.tenant_id),
        ("scope".to_string(), claims.scope),
        ("exp".to_string(), claims.exp.to_string()),
        ("iat".to_string(), claims.iat.to_string()),
    ]);
    let mut authorizer = ApiGatewayRequestAuthorizer::default();
    authorizer.jwt = Some(jwt);
    let mut ctx = ApiGatewayV2httpRequestContext::default();
    ctx.authorizer = Some(authorizer);
    ctx.http.method = req.method().clone();
    ctx.http.path = Some(req.uri().path().to_string());
    Ok(RequestContext::ApiGatewayV2(ctx))
}

#[cfg(test)]
mod scope_claim_tests {
    use super::scope_claim;

    #[test]
    fn scope_claims_in_every_shape_an_identity_provider_sends() {
        let both = ["exports:read", "exports:write"];
        assert_eq!(scope_claim("exports:read exports:write"), both);
        assert_eq!(scope_claim("[exports:read exports:write]"), both);
        assert_eq!(scope_claim(r#"["exports:read","exports:write"]"#), both);
        assert_eq!(
            scope_claim(" openid\texports:read "),
            ["openid", "exports:read"]
        );
        assert!(scope_claim("").is_empty());
        assert!(scope_claim("[]").is_empty());
    }
}
