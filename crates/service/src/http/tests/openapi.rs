//! `docs/openapi.yaml` and the router describe the same routes.
use super::*;
use crate::http::ROUTES;

const OPENAPI: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/openapi.yaml"
));
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// (METHOD, path) of every operation under `paths:`, read by indentation.
fn documented_operations() -> Vec<(String, String)> {
    let mut ops = Vec::new();
    let mut path: Option<&str> = None;
    let paths = OPENAPI
        .lines()
        .skip_while(|l| *l != "paths:")
        .skip(1)
        .take_while(|l| l.is_empty() || l.starts_with(' '));
    for line in paths {
        let key = line.trim_start().strip_suffix(':');
        let indent = line.len() - line.trim_start().len();
        match (indent, key) {
            (2, Some(p)) => path = Some(p),
            (4, Some(m)) if METHODS.contains(&m) => {
                ops.push((
                    m.to_uppercase(),
                    path.expect("method under a path").to_string(),
                ));
            }
            _ => {}
        }
    }
    ops.sort();
    ops
}

#[test]
fn every_route_is_documented_and_every_documented_route_exists() {
    let mut routes: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    routes.sort();
    assert_eq!(documented_operations(), routes);
}

#[tokio::test]
async fn every_listed_route_is_served_by_the_router() {
    let app = app();
    let id = JobId::new();
    for (method, path) in ROUTES {
        let uri = path
            .replace("{id}", id.as_str())
            .replace("{file}", "app.js");
        let r = app
            .call(Method::from_bytes(method.as_bytes()).unwrap(), &uri, None)
            .await;
        // The signing keys are public; a share link's token is its own
        // credential (an unknown one is gone); everything else under /v1/ needs a token.
        let expected = if path.starts_with("/v1/shared/") {
            StatusCode::GONE
        } else if path.starts_with("/v1/") && !path.starts_with("/v1/keys") {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::OK
        };
        assert_eq!(r.status, expected, "{method} {path}: {}", r.body);
    }
}

/// `components.schemas.<name>` of docs/openapi.yaml.
fn schema(name: &str) -> yaml_rust2::Yaml {
    let docs = yaml_rust2::YamlLoader::load_from_str(OPENAPI).unwrap();
    docs[0]["components"]["schemas"][name].clone()
}

#[test]
fn only_the_put_body_refuses_an_empty_or_repeating_schedule_format_list() {
    // The shared `ComplianceProfile` had `minItems: 1` and `uniqueItems`, so
    // a GET of a profile stored before they were checked broke its schema.
    let answered = &schema("ComplianceProfile")["properties"]["schedule"]["properties"]["formats"];
    assert!(answered["items"]["enum"].as_vec().is_some());
    assert!(answered["minItems"].is_badvalue() && answered["uniqueItems"].is_badvalue());
    let docs = yaml_rust2::YamlLoader::load_from_str(OPENAPI).unwrap();
    let put = &docs[0]["paths"]["/v1/compliance-profile"]["put"]["requestBody"]["content"]["application/json"]
        ["schema"]["$ref"];
    assert_eq!(
        put.as_str(),
        Some("#/components/schemas/ComplianceProfileRequest")
    );
    let request = schema("ComplianceProfileRequest");
    let all_of = request["allOf"].as_vec().unwrap();
    assert_eq!(
        all_of[0]["$ref"].as_str(),
        Some("#/components/schemas/ComplianceProfile")
    );
    let refused = &all_of[1]["properties"]["schedule"]["properties"]["formats"];
    assert_eq!(refused["minItems"].as_i64(), Some(1));
    assert_eq!(refused["uniqueItems"].as_bool(), Some(true));
}
