//! HTTPS: the server's certificate and key from PEM files, and a
//! self-signed certificate for an office LAN (whose fingerprint the app
//! pins at first login).

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// An acceptor serving the chain in `cert` with the key in `key`.
pub fn acceptor(cert: &Path, key: &Path) -> anyhow::Result<TlsAcceptor> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("reading {}", cert.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("parsing {}", cert.display()))?;
    anyhow::ensure!(!chain.is_empty(), "{} holds no certificate", cert.display());
    let key = PrivateKeyDer::from_pem_file(key).with_context(|| format!("reading the key {}", key.display()))?;
    let mut config = rustls::ServerConfig::builder().with_no_client_auth().with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// The fingerprint of the first certificate in a PEM file.
pub fn fingerprint_of(cert: &Path) -> anyhow::Result<String> {
    let der = CertificateDer::from_pem_file(cert).with_context(|| format!("reading {}", cert.display()))?;
    Ok(gridpatrol_core::sync::pin::fingerprint(&der))
}

/// A self-signed certificate for these host names and addresses: (PEM
/// certificate, PEM key, fingerprint).
pub fn self_signed(hosts: &[String]) -> anyhow::Result<(String, String, String)> {
    let certified = rcgen::generate_simple_self_signed(hosts.to_vec())?;
    let fingerprint = gridpatrol_core::sync::pin::fingerprint(certified.cert.der());
    Ok((certified.cert.pem(), certified.signing_key.serialize_pem(), fingerprint))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_certificate_serves_and_has_a_stable_fingerprint() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key, fp) = self_signed(&["gridpatrol.local".into(), "127.0.0.1".into()]).unwrap();
        std::fs::write(dir.path().join("c.pem"), &cert).unwrap();
        std::fs::write(dir.path().join("k.pem"), &key).unwrap();
        acceptor(&dir.path().join("c.pem"), &dir.path().join("k.pem")).unwrap();
        assert_eq!(fingerprint_of(&dir.path().join("c.pem")).unwrap(), fp);
        assert!(acceptor(&dir.path().join("c.pem"), &dir.path().join("missing.pem")).is_err());
    }
}
