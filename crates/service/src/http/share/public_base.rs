//! Where a caller reaches this API, for the URLs it hands out (a share
//! link's `url`). Never the request's `Host` or `X-Forwarded-Proto` when
//! something better is known: whoever sends `Host: evil.example` must not
//! get a link to evil.example to pass on as ours.
//!
//! In order: the configured `KT_PUBLIC_BASE_URL`; API Gateway's own domain
//! name (and, on the `execute-api` domain, a named stage) from the request
//! context, which the caller cannot set; only on a bare dev server with
//! neither, the `Host` header.
use crate::http::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use lambda_http::request::RequestContext;
use std::convert::Infallible;

/// The base (`https://exports.example.com`, no trailing slash) of the
/// URLs an answer carries; empty: the path alone (no host known).
pub(crate) struct PublicBase(String);

impl PublicBase {
    /// `path` (starting with `/`) as an absolute URL where one is known.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }

    fn of(configured: Option<&str>, context: Option<&RequestContext>, headers: &HeaderMap) -> Self {
        let base = configured
            .map(str::to_string)
            .or_else(|| context.and_then(gateway_base))
            .or_else(|| host_base(headers))
            .unwrap_or_default();
        Self(base)
    }
}

impl FromRequestParts<AppState> for PublicBase {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        Ok(Self::of(
            state.public_base_url.as_deref(),
            parts.extensions.get::<RequestContext>(),
            &parts.headers,
        ))
    }
}

/// `https://<domainName>[/<stage>]` of an API Gateway HTTP API request. A
/// named stage is the path's first segment only on the `execute-api`
/// domain; on a custom domain the API mapping decides, which
/// `KT_PUBLIC_BASE_URL` states when it has a path.
fn gateway_base(context: &RequestContext) -> Option<String> {
    let RequestContext::ApiGatewayV2(context) = context else {
        return None;
    };
    let domain = context.domain_name.as_deref().filter(|d| is_host_name(d))?;
    let stage = context
        .stage
        .as_deref()
        .filter(|s| !s.is_empty() && *s != "$default" && domain.contains(".execute-api."))
        .filter(|s| {
            s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    Some(match stage {
        Some(stage) => format!("https://{domain}/{stage}"),
        None => format!("https://{domain}"),
    })
}

fn is_host_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// The dev server's fallback: the request's `Host` (and `X-Forwarded-Proto`).
fn host_base(headers: &HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok())?;
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|p| p.to_str().ok())
        .and_then(|p| p.split(',').next())
        .map(str::trim)
        .filter(|p| matches!(*p, "http" | "https"))
        .unwrap_or("http");
    Some(format!("{proto}://{host}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::apigw::ApiGatewayV2httpRequestContext;
    use axum::http::HeaderValue;

    fn forged() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("evil.example"));
        h.insert("x-forwarded-proto", HeaderValue::from_static("http"));
        h
    }

    fn gateway(domain: &str, stage: &str) -> RequestContext {
        let mut ctx = ApiGatewayV2httpRequestContext::default();
        ctx.domain_name = Some(domain.into());
        ctx.stage = Some(stage.into());
        RequestContext::ApiGatewayV2(ctx)
    }

    #[test]
    fn the_host_header_is_used_only_when_nothing_else_is_known() {
        let p = "/v1/shared/t";
        let configured = PublicBase::of(Some("https://exports.example.com"), None, &forged());
        assert_eq!(configured.url(p), "https://exports.example.com/v1/shared/t");
        let api = "abc123.execute-api.eu-west-1.amazonaws.com";
        let ctx = gateway(api, "$default");
        assert_eq!(
            PublicBase::of(None, Some(&ctx), &forged()).url(p),
            format!("https://{api}/v1/shared/t")
        );
        let ctx = gateway(api, "prod");
        assert_eq!(
            PublicBase::of(None, Some(&ctx), &forged()).url(p),
            format!("https://{api}/prod/v1/shared/t")
        );
        let ctx = gateway("exports.example.com", "prod");
        assert_eq!(
            PublicBase::of(None, Some(&ctx), &forged()).url(p),
            "https://exports.example.com/v1/shared/t",
            "a custom domain's mapping, not the stage, decides the path"
        );
        // The dev server's context (no domain name) and no configuration.
        let dev = RequestContext::ApiGatewayV2(ApiGatewayV2httpRequestContext::default());
        assert_eq!(
            PublicBase::of(None, Some(&dev), &forged()).url(p),
            "http://evil.example/v1/shared/t"
        );
        assert_eq!(PublicBase::of(None, None, &HeaderMap::new()).url(p), p);
    }
}
