//! What a person who opens a dead share link in a browser sees: a short page
//! in their language saying why the link no longer opens the export and
//! whom to ask, with the 410 a program gets. An auditor with no account has
//! no other screen; a problem+json body in a browser tab is not one.
use super::{ASK_FOR_A_NEW_ONE, EXPIRED_AT, FILE_NOT_KEPT, NOT_VALID, REVOKED_AT};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Whether the request is a browser's navigation (it asks for HTML).
pub fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// Spanish when the browser puts Spanish before English.
fn spanish(headers: &HeaderMap) -> bool {
    let Some(langs) = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let first = |code: &str| {
        langs
            .split(',')
            .position(|l| l.trim().to_ascii_lowercase().starts_with(code))
    };
    match (first("es"), first("en")) {
        (Some(es), Some(en)) => es < en,
        (Some(_), None) => true,
        _ => false,
    }
}

/// The reason the API states (`link_gone`), in Spanish.
fn reason_es(detail: &str) -> String {
    let reason = detail.strip_suffix(ASK_FOR_A_NEW_ONE).unwrap_or(detail);
    if let Some(t) = reason.strip_prefix(REVOKED_AT) {
        format!("este enlace se revocó el {t}")
    } else if let Some(t) = reason.strip_prefix(EXPIRED_AT) {
        format!("este enlace caducó el {t}")
    } else if reason == FILE_NOT_KEPT {
        "el archivo de la exportación compartida ya no se conserva".into()
    } else {
        debug_assert_eq!(reason, NOT_VALID, "a reason the Spanish page does not know");
        "este enlace no es válido (mal copiado, o caducado y eliminado)".into()
    }
}

fn escape(s: &str) -> String {
    kt_engine::formats::reports::html::escape(s)
}

/// The 410 page for `detail` (the API's English reason).
pub fn gone_page(detail: &str, headers: &HeaderMap) -> Response {
    let (lang, title, body, ask) = if spanish(headers) {
        (
            "es",
            "Este enlace ya no abre la exportación",
            reason_es(detail),
            "Pida un enlace nuevo a la persona que lo compartió.",
        )
    } else {
        let reason = detail.strip_suffix(ASK_FOR_A_NEW_ONE).unwrap_or(detail);
        (
            "en",
            "This link no longer opens the export",
            reason.to_string(),
            "Ask the person who shared it for a new link.",
        )
    };
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n</head>\n<body style=\"font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5\">\n<main>\n<h1 style=\"font-size:1.4rem\">{title}</h1>\n<p>{}.</p>\n<p>{ask}</p>\n</main>\n</body>\n</html>\n",
        escape(&capitalised(&body)),
    );
    (
        StatusCode::GONE,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
            ),
        ],
        html,
    )
        .into_response()
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(accept_language: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT,
            HeaderValue::from_static("text/html,*/*;q=0.8"),
        );
        h.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_str(accept_language).unwrap(),
        );
        h
    }

    #[test]
    fn the_browsers_language_picks_the_page() {
        assert!(spanish(&headers("es-ES,es;q=0.9,en;q=0.8")));
        assert!(!spanish(&headers("en-GB,en;q=0.9,es;q=0.5")));
        assert!(!spanish(&headers("de-DE")));
        assert!(wants_html(&headers("en")));
        assert!(!wants_html(&HeaderMap::new()));
    }

    #[test]
    fn each_reason_reads_in_spanish() {
        let ask = ASK_FOR_A_NEW_ONE;
        assert_eq!(
            reason_es(&format!("{REVOKED_AT}2026-12-06T01:36:05Z{ask}")),
            "este enlace se revocó el 2026-12-06T01:36:05Z"
        );
        assert_eq!(
            reason_es(&format!("{EXPIRED_AT}2026-12-09T00:00:00Z{ask}")),
            "este enlace caducó el 2026-12-09T00:00:00Z"
        );
        assert!(reason_es(&format!("{FILE_NOT_KEPT}{ask}")).contains("ya no se conserva"));
        assert!(reason_es(&format!("{NOT_VALID}{ask}")).contains("no es válido"));
    }
}
