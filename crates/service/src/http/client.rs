//! Who is on the other end of a request, for the audit trail: the source
//! address (in Lambda, API Gateway's `requestContext.http.sourceIp`; locally
//! the TCP peer, since nothing in front of the dev server sets
//! `X-Forwarded-For` and anyone could) and the `User-Agent`.
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::{header, request::Parts};
use lambda_http::request::RequestContext;
use std::convert::Infallible;
use std::net::SocketAddr;

#[derive(Debug, Clone, Default)]
pub struct Client {
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        let from_gateway = match parts.extensions.get::<RequestContext>() {
            Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.clone(),
            _ => None,
        };
        let source_ip = from_gateway.filter(|ip| !ip.is_empty()).or_else(|| {
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip().to_string())
        });
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        Ok(Self {
            source_ip,
            user_agent,
        })
    }
}
