//! The `--store` address.

/// A Redis address as `--store` takes it: `redis://HOST:PORT[/DB]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreUrl(String);

/// A `--store` address that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreUrlError {
    #[error("{0}; give it as redis://HOST:PORT[/DB]")]
    Unreadable(redis::RedisError),
    #[error("only redis://HOST:PORT[/DB] is supported")]
    NotTcp,
}

impl std::str::FromStr for StoreUrl {
    type Err = StoreUrlError;

    fn from_str(text: &str) -> Result<Self, StoreUrlError> {
        let info: redis::ConnectionInfo = redis::IntoConnectionInfo::into_connection_info(text)
            .map_err(StoreUrlError::Unreadable)?;
        match info.addr() {
            redis::ConnectionAddr::Tcp(..) => Ok(Self(text.to_owned())),
            _ => Err(StoreUrlError::NotTcp),
        }
    }
}

impl StoreUrl {
    /// The address as given, password included: only for connecting.
    pub(super) fn as_given(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for StoreUrl {
    /// The address with any password masked, for logs and the banner.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match url_password_span(&self.0) {
            Some((from, to)) => write!(f, "{}***{}", &self.0[..from], &self.0[to..]),
            None => f.write_str(&self.0),
        }
    }
}

/// Where `redis://user:password@host` keeps its password.
fn url_password_span(url: &str) -> Option<(usize, usize)> {
    let rest = url.find("://")? + 3;
    let at = rest + url[rest..].find('@')?;
    let colon = rest + url[rest..at].find(':')?;
    Some((colon + 1, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_in_the_address_is_masked() {
        let url: StoreUrl = "redis://user:secret@127.0.0.1:6379/2".parse().unwrap();
        assert_eq!(url.to_string(), "redis://user:***@127.0.0.1:6379/2");
        let plain: StoreUrl = "redis://127.0.0.1:6379".parse().unwrap();
        assert_eq!(plain.to_string(), "redis://127.0.0.1:6379");
        assert!("http://127.0.0.1".parse::<StoreUrl>().is_err());
    }
}
