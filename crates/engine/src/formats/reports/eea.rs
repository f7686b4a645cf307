//! Where a provider region is, for GDPR Chapter V: the one place that defines
//! which provider regions count as inside the EEA.
//!
//! The EEA is the 27 EU member states plus Iceland, Liechtenstein and Norway.
//! Cloud region names do not say which country they are in (`eu-west-2` is
//! London, `eu-central-2` is Zurich), so a prefix rule (`eu-*`) would be wrong:
//! the regions are listed one by one. Regions in countries with an adequacy
//! decision (GDPR Art. 45: UK, Switzerland) are listed apart: they are outside
//! the EEA, but a transfer there does not need further safeguards. Anything not
//! listed is `NonEea`; a missing region is `Unknown`.

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

/// Provider regions outside the EEA in a country with an EU adequacy decision.
pub const ADEQUACY_REGIONS: &[&str] = &[
    "eu-west-2",        // AWS London (UK)
    "eu-central-2",     // AWS Zurich (Switzerland)
    "uksouth",          // Azure (UK)
    "ukwest",           // Azure (UK)
    "switzerlandnorth", // Azure (Switzerland)
    "switzerlandwest",  // Azure (Switzerland)
    "europe-west2",     // Google London (UK)
    "europe-west6",     // Google Zurich (Switzerland)
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RegionClass {
    Eea,
    Adequacy,
    NonEea,
    Unknown,
}

impl RegionClass {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eea => "eea",
            Self::Adequacy => "adequacy_decision",
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
    let Some(r) = region.map(|r| r.trim().to_ascii_lowercase()) else {
        return RegionClass::Unknown;
    };
    if r.is_empty() {
        RegionClass::Unknown
    } else if EEA_REGIONS.contains(&r.as_str()) {
        RegionClass::Eea
    } else if ADEQUACY_REGIONS.contains(&r.as_str()) {
        RegionClass::Adequacy
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
        assert_eq!(classify(Some("us-east-1")), RegionClass::NonEea);
        assert_eq!(classify(Some("eu-west-99")), RegionClass::NonEea);
        assert_eq!(classify(None), RegionClass::Unknown);
        assert_eq!(classify(Some(" ")), RegionClass::Unknown);
    }
}
