//! Where a provider region is, for GDPR Chapter V: the one place that defines
//! which provider regions count as inside the EEA.
//!
//! The EEA is the 27 EU member states plus Iceland, Liechtenstein and Norway.
//! Cloud region names do not say which country they are in (`eu-west-2` is
//! London, `eu-central-2` is Zurich), so a prefix rule (`eu-*`) would be wrong:
//! the regions are listed one by one. Regions in countries with an adequacy
//! decision (GDPR Art. 45, [`ADEQUACY_DECISIONS`]) are listed apart: they are
//! outside the EEA, but a transfer there does not need further safeguards.
//! United States regions are adequate only for DPF-certified recipients,
//! which only the tenant can declare. Anything not listed is `NonEea`; a
//! missing region is `Unknown`.

/// Provider regions located in an EEA country.
pub const EEA_REGIONS: &[&str] = &[
    // Provider-level EU/EEA region names (e.g. an API's "eu" data residency).
    "eu",
    "eea",
    "europe",
    // AWS
    "eu-west-1",    // Ireland
    "eu-west-3",    // Paris
    "eu-central-1", // Frankfurt
    "eu-north-1",   // Stockholm
    "eu-south-1",   // Milan
    "eu-south-2",   // Spain (Aragón)
    // Azure
    "westeurope",         // Netherlands
    "northeurope",        // Ireland
    "francecentral",      // Paris
    "francesouth",        // Marseille
    "germanywestcentral", // Frankfurt
    "germanynorth",       // Berlin
    "swedencentral",      // Gävle
    "swedensouth",        // Malmö
    "norwayeast",         // Oslo (EEA)
    "norwaywest",         // Stavanger (EEA)
    "polandcentral",      // Warsaw
    "italynorth",         // Milan
    "spaincentral",       // Madrid
    // Google Cloud
    "europe-west1",      // Belgium
    "europe-west3",      // Frankfurt
    "europe-west4",      // Netherlands
    "europe-west8",      // Milan
    "europe-west9",      // Paris
    "europe-west10",     // Berlin
    "europe-west12",     // Turin
    "europe-north1",     // Finland
    "europe-north2",     // Stockholm
    "europe-central2",   // Warsaw
    "europe-southwest1", // Madrid
];

/// The European Commission's adequacy decisions under GDPR Art. 45 (and
/// those under Directive 95/46/EC kept in force by Art. 45(9)):
/// (country, decision, date adopted, scope).
pub const ADEQUACY_DECISIONS: &[(&str, &str, &str, &str)] = &[
    (
        "Switzerland",
        "Decision 2000/518/EC",
        "2000-07-26",
        "whole country",
    ),
    (
        "Canada",
        "Decision 2002/2/EC",
        "2001-12-20",
        "commercial organisations subject to PIPEDA",
    ),
    (
        "Argentina",
        "Decision 2003/490/EC",
        "2003-06-30",
        "whole country",
    ),
    (
        "Guernsey",
        "Decision 2003/821/EC",
        "2003-11-21",
        "whole territory",
    ),
    (
        "Isle of Man",
        "Decision 2004/411/EC",
        "2004-04-28",
        "whole territory",
    ),
    (
        "Jersey",
        "Decision 2008/393/EC",
        "2008-05-08",
        "whole territory",
    ),
    (
        "Faroe Islands",
        "Decision 2010/146/EU",
        "2010-03-05",
        "whole territory",
    ),
    (
        "Andorra",
        "Decision 2010/625/EU",
        "2010-10-19",
        "whole country",
    ),
    (
        "Israel",
        "Decision 2011/61/EU",
        "2011-01-31",
        "whole country",
    ),
    (
        "Uruguay",
        "Decision 2012/484/EU",
        "2012-08-21",
        "whole country",
    ),
    (
        "New Zealand",
        "Decision 2013/65/EU",
        "2012-12-19",
        "whole country",
    ),
    (
        "Japan",
        "Implementing Decision (EU) 2019/419",
        "2019-01-23",
        "private sector, with the supplementary rules",
    ),
    (
        "United Kingdom",
        "Implementing Decision (EU) 2021/1772",
        "2021-06-28",
        "GDPR transfers (law-enforcement transfers: a separate decision); check the decision's renewal",
    ),
    (
        "Republic of Korea",
        "Implementing Decision (EU) 2022/254",
        "2021-12-17",
        "entities subject to the PIPA",
    ),
    (
        "United States",
        "Implementing Decision (EU) 2023/1795 (EU-US Data Privacy Framework)",
        "2023-07-10",
        "only organisations certified under the DPF",
    ),
];

/// Provider regions outside the EEA in a country with an EU adequacy decision
/// that covers any recipient: (region, country).
pub const ADEQUACY_REGIONS: &[(&str, &str)] = &[
    ("eu-west-2", "United Kingdom"),          // AWS London
    ("eu-central-2", "Switzerland"),          // AWS Zurich
    ("ca-central-1", "Canada"),               // AWS Montréal
    ("ca-west-1", "Canada"),                  // AWS Calgary
    ("ap-northeast-1", "Japan"),              // AWS Tokyo
    ("ap-northeast-3", "Japan"),              // AWS Osaka
    ("ap-northeast-2", "Republic of Korea"),  // AWS Seoul
    ("il-central-1", "Israel"),               // AWS Tel Aviv
    ("uksouth", "United Kingdom"),            // Azure
    ("ukwest", "United Kingdom"),             // Azure
    ("switzerlandnorth", "Switzerland"),      // Azure
    ("switzerlandwest", "Switzerland"),       // Azure
    ("canadacentral", "Canada"),              // Azure
    ("canadaeast", "Canada"),                 // Azure
    ("japaneast", "Japan"),                   // Azure
    ("japanwest", "Japan"),                   // Azure
    ("koreacentral", "Republic of Korea"),    // Azure
    ("koreasouth", "Republic of Korea"),      // Azure
    ("israelcentral", "Israel"),              // Azure
    ("newzealandnorth", "New Zealand"),       // Azure
    ("europe-west2", "United Kingdom"),       // Google London
    ("europe-west6", "Switzerland"),          // Google Zurich
    ("northamerica-northeast1", "Canada"),    // Google Montréal
    ("northamerica-northeast2", "Canada"),    // Google Toronto
    ("asia-northeast1", "Japan"),             // Google Tokyo
    ("asia-northeast2", "Japan"),             // Google Osaka
    ("asia-northeast3", "Republic of Korea"), // Google Seoul
    ("me-west1", "Israel"),                   // Google Tel Aviv
];

/// Provider regions in the United States: adequate only for a recipient
/// certified under the EU-US Data Privacy Framework, which the log does not show.
pub const US_REGIONS: &[&str] = &[
    "us",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2", // AWS, provider-level
    "eastus",
    "eastus2",
    "westus",
    "westus2",
    "westus3",
    "centralus",
    "northcentralus",
    "southcentralus",
    "westcentralus", // Azure
    "us-central1",
    "us-east1",
    "us-east4",
    "us-east5",
    "us-west1",
    "us-west2",
    "us-west3",
    "us-west4",
    "us-south1", // Google
];

/// The country of an adequacy region, if `region` is one.
pub fn adequacy_country(region: &str) -> Option<&'static str> {
    adequacy_country_lowercase(&region.trim().to_ascii_lowercase())
}

/// [`adequacy_country`] of a trimmed, lowercase region.
fn adequacy_country_lowercase(r: &str) -> Option<&'static str> {
    ADEQUACY_REGIONS
        .iter()
        .find(|(name, _)| *name == r)
        .map(|(_, c)| *c)
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum RegionClass {
    Eea,
    Adequacy,
    /// United States: adequate only for DPF-certified recipients.
    UsDpfOnly,
    NonEea,
    Unknown,
}

impl RegionClass {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eea => "eea",
            Self::Adequacy => "adequacy_decision",
            Self::UsDpfOnly => "us_adequacy_if_dpf_certified",
            Self::NonEea => "non_eea",
            Self::Unknown => "unknown",
        }
    }
    /// Outside the EEA or not known to be inside it.
    pub fn is_outside_eea(self) -> bool {
        !matches!(self, Self::Eea)
    }
}

/// Classifies a provider region name (case-insensitive, surrounding blanks ignored).
pub fn classify(region: Option<&str>) -> RegionClass {
    let Some(r) = region.map(str::trim) else {
        return RegionClass::Unknown;
    };
    // Called per event: regions are nearly always written in lowercase
    // already, and then need no lowered copy.
    if r.bytes().any(|b| b.is_ascii_uppercase()) {
        classify_lowercase(&r.to_ascii_lowercase())
    } else {
        classify_lowercase(r)
    }
}

/// [`classify`] of a trimmed, lowercase region.
fn classify_lowercase(r: &str) -> RegionClass {
    if r.is_empty() {
        RegionClass::Unknown
    } else if EEA_REGIONS.contains(&r) {
        RegionClass::Eea
    } else if adequacy_country_lowercase(r).is_some() {
        RegionClass::Adequacy
    } else if US_REGIONS.contains(&r) {
        RegionClass::UsDpfOnly
    } else {
        RegionClass::NonEea
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn london_and_zurich_are_not_eea_despite_the_prefix() {
        assert_eq!(classify(Some("eu-west-1")), RegionClass::Eea);
        assert_eq!(classify(Some("EU-Central-1")), RegionClass::Eea);
        assert_eq!(classify(Some("eu-west-2")), RegionClass::Adequacy);
        assert_eq!(classify(Some("eu-central-2")), RegionClass::Adequacy);
        assert_eq!(classify(Some("us-east-1")), RegionClass::UsDpfOnly);
        assert_eq!(classify(Some("ap-northeast-1")), RegionClass::Adequacy);
        assert_eq!(classify(Some("ap-south-1")), RegionClass::NonEea);
        assert_eq!(classify(Some("eu-west-99")), RegionClass::NonEea);
        assert_eq!(classify(None), RegionClass::Unknown);
        assert_eq!(classify(Some(" ")), RegionClass::Unknown);
        // Trimmed, with or without a lowered copy.
        assert_eq!(classify(Some(" eu-west-1\t")), RegionClass::Eea);
        assert_eq!(classify(Some(" US-EAST-1 ")), RegionClass::UsDpfOnly);
    }
}
