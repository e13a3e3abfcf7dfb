//! How the device trusts its server. An office LAN server has a
//! self-signed certificate: at first login the app shows its fingerprint
//! (the operator reads theirs out from `gridpatrol-server cert fingerprint`),
//! the person confirms, and from then on the device accepts that
//! certificate and no other — a certificate from anyone else, even one a
//! public CA signed, is refused with [`PinMismatch`]. Without a pin the
//! platform's usual roots apply. Plain `http://` is refused except to this
//! machine (loopback) or where the person allowed it for that server.

use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use super::pin::fingerprint;

/// What a pinned connection saw: the fingerprint it was shown, if not the pin.
#[derive(Debug, Default, Clone)]
pub struct Seen(Arc<Mutex<Option<String>>>);

impl Seen {
    /// The fingerprint of the last certificate presented.
    pub fn last(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn record(&self, fp: String) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(fp);
    }
}

/// Accepts exactly the certificate with this fingerprint (or, without a
/// pin, any certificate — only for [`probe`]-style first contact, which
/// reports what it saw and sends nothing secret).
#[derive(Debug)]
struct Pinned {
    pin: Option<String>,
    seen: Seen,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let fp = fingerprint(end_entity);
        self.seen.record(fp.clone());
        match &self.pin {
            Some(pin) if *pin != fp => Err(rustls::Error::General(format!("certificate {fp} is not the pinned {pin}"))),
            _ => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// A TLS configuration that trusts only `pin` (or, with `None`, anything,
/// recording what it saw); `seen` reports the fingerprint presented.
pub fn pinned_config(pin: Option<String>, seen: Seen) -> rustls::ClientConfig {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = Arc::new(Pinned { pin, seen, provider: provider.clone() });
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("the default protocol versions")
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    config
}

/// Whether `base` may be reached over plain http: only this machine.
pub fn is_loopback(base: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(base) else { return false };
    match url.host_str() {
        Some("localhost") => true,
        Some(h) => h.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_is_plain_by_default() {
        assert!(is_loopback("http://127.0.0.1:8787"));
        assert!(is_loopback("http://localhost:8787"));
        assert!(is_loopback("http://[::1]:8787"));
        assert!(!is_loopback("http://192.168.1.20:8787"));
        assert!(!is_loopback("http://gridpatrol.example"));
        assert!(!is_loopback("not a url"));
    }
}
