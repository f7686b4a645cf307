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

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::apigw::ApiGatewayV2httpRequestContext;
    use axum::http::Request;

    async fn client_of(req: Request<()>) -> Client {
        let (mut parts, ()) = req.into_parts();
        Client::from_request_parts(&mut parts, &()).await.unwrap()
    }

    #[tokio::test]
    async fn in_lambda_the_address_is_api_gateways_source_ip_not_a_header() {
        let mut ctx = ApiGatewayV2httpRequestContext::default();
        ctx.http.source_ip = Some("203.0.113.7".into());
        let mut req = Request::builder()
            .header("x-forwarded-for", "198.51.100.1")
            .header(header::USER_AGENT, "curl/8.5")
            .body(())
            .unwrap();
        req.extensions_mut()
            .insert(RequestContext::ApiGatewayV2(ctx));
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 443))));
        let client = client_of(req).await;
        assert_eq!(client.source_ip.as_deref(), Some("203.0.113.7"));
        assert_eq!(client.user_agent.as_deref(), Some("curl/8.5"));
    }

    #[tokio::test]
    async fn locally_the_address_is_the_socket_peer_and_forwarded_for_is_ignored() {
        let mut req = Request::builder()
            .header("x-forwarded-for", "198.51.100.1")
            .body(())
            .unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 50123))));
        let client = client_of(req).await;
        assert_eq!(client.source_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(client.user_agent, None);
        let bare = client_of(Request::new(())).await;
        assert_eq!(bare.source_ip, None);
    }
}
