//! Mutual TLS for integrators (R-GW-1): the test makes its own CA, a server certificate for the
//! gateway and client certificates; a certificate bound to an integrator stands for its key on
//! the gateway's TLS port (with the integrator's scope), an unbound one is UNAUTHENTICATED, one
//! from another CA fails the handshake, and a client without a certificate may still present a key.

use qashyq_e2e::{Mesh, distance_school_request};
use qashyq_platform::principal::Scope;
use qashyq_proto::schedule::v1::{
    Connectivity, GetSchoolRequest, ListRegionsRequest, catalogue_service_client::CatalogueServiceClient, directory_service_client::DirectoryServiceClient,
};
use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair};
use tonic::{
    Code,
    transport::{Certificate, Channel, ClientTlsConfig, Identity},
};

struct Ca {
    certificate: rcgen::Certificate,
    key: KeyPair,
}

fn ca(name: &str) -> Ca {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    Ca { certificate: params.self_signed(&key).unwrap(), key }
}

/// A certificate for `name` signed by `ca`, for a server or a client: (certificate PEM, key PEM, DER).
fn issue(ca: &Ca, name: &str, client: bool) -> (String, String, Vec<u8>) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec![name.to_owned()]).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.extended_key_usages = vec![if client { ExtendedKeyUsagePurpose::ClientAuth } else { ExtendedKeyUsagePurpose::ServerAuth }];
    let certificate = params.signed_by(&key, &ca.certificate, &ca.key).unwrap();
    (certificate.pem(), key.serialize_pem(), certificate.der().to_vec())
}

async fn tls_channel(port: u16, server_ca: &str, client: Option<(&str, &str)>) -> Result<Channel, tonic::transport::Error> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut tls = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(server_ca)).domain_name("localhost");
    if let Some((certificate, key)) = client {
        tls = tls.identity(Identity::from_pem(certificate, key));
    }
    Channel::from_shared(format!("https://localhost:{port}")).unwrap().tls_config(tls)?.connect().await
}

#[tokio::test]
async fn r_gw_1_a_bound_client_certificate_is_its_integrator_on_the_mutual_tls_port() {
    let dir = std::env::temp_dir().join(format!("qashyq-mtls-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let (server_ca, client_ca, stranger_ca) = (ca("Qashyq test server CA"), ca("Qashyq test client CA"), ca("Someone else's CA"));
    let (server_pem, server_key, _) = issue(&server_ca, "localhost", false);
    let (client_pem, client_key, client_der) = issue(&client_ca, "kundelik.kz", true);
    let (unbound_pem, unbound_key, _) = issue(&client_ca, "unknown.kz", true);
    let (stranger_pem, stranger_key, _) = issue(&stranger_ca, "kundelik.kz", true);
    for (name, content) in [("server.pem", &server_pem), ("server.key", &server_key), ("client-ca.pem", &client_ca.certificate.pem())] {
        std::fs::write(dir.join(name), content).unwrap();
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    // SAFETY: the only test of this binary sets them before its gateway starts.
    unsafe {
        std::env::set_var("QASHYQ_GATEWAY_TLS_ADDR", format!("127.0.0.1:{port}"));
        std::env::set_var("QASHYQ_GATEWAY_TLS_CERT", dir.join("server.pem"));
        std::env::set_var("QASHYQ_GATEWAY_TLS_KEY", dir.join("server.key"));
        std::env::set_var("QASHYQ_GATEWAY_TLS_CLIENT_CA", dir.join("client-ca.pem"));
    }
    let mesh = Mesh::start().await.unwrap();
    let admin = mesh.api_key("setup", 10_000).await;
    let mut directory = DirectoryServiceClient::new(mesh.gateway_channel(&admin).await);
    let almaty = directory.register_school(distance_school_request("KZ-ALA", "Лицей № 165", Connectivity::Broadband)).await.unwrap().into_inner().school_id;
    let akmola = directory.register_school(distance_school_request("KZ-AKM", "Школа № 9", Connectivity::Slow)).await.unwrap().into_inner().school_id;
    let integrator = qashyq_gateway::admin::create_integrator(&mesh.config, "kundelik.kz", &Scope { regions: vec!["KZ-ALA".into()], ..Scope::default() }, 100)
        .await
        .unwrap();
    let fingerprint = hex::encode(qashyq_gateway::keys::certificate_fingerprint(&client_der));
    qashyq_gateway::admin::bind_certificate(&mesh.config, integrator.id, &fingerprint).await.unwrap();

    // The bound certificate is the integrator, with its scope.
    let channel = tls_channel(port, &server_ca.certificate.pem(), Some((&client_pem, &client_key))).await.unwrap();
    let mut own = DirectoryServiceClient::new(channel.clone());
    assert_eq!(own.get_school(GetSchoolRequest { school_id: almaty }).await.unwrap().into_inner().region_code, "KZ-ALA");
    assert_eq!(own.get_school(GetSchoolRequest { school_id: akmola }).await.unwrap_err().code(), Code::PermissionDenied);
    // A certificate of the right CA bound to no one: refused.
    let unbound = tls_channel(port, &server_ca.certificate.pem(), Some((&unbound_pem, &unbound_key))).await.unwrap();
    let refused = CatalogueServiceClient::new(unbound).list_regions(ListRegionsRequest {}).await.unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
    // A certificate of another CA: the handshake fails, no call is made.
    let stranger = match tls_channel(port, &server_ca.certificate.pem(), Some((&stranger_pem, &stranger_key))).await {
        Ok(channel) => CatalogueServiceClient::new(channel).list_regions(ListRegionsRequest {}).await.map(|_| ()).map_err(|s| s.code()),
        Err(_) => Err(Code::Unavailable),
    };
    assert!(stranger.is_err(), "another CA's certificate is not accepted");
    // No certificate: a key still works on the TLS port.
    let anonymous = tls_channel(port, &server_ca.certificate.pem(), None).await.unwrap();
    let keyed = qashyq_platform::grpc::client::BearerKey::new(Some(&admin)).unwrap().on(anonymous);
    assert!(CatalogueServiceClient::new(keyed).list_regions(ListRegionsRequest {}).await.is_ok());
    mesh.stop().await.unwrap();
    std::fs::remove_dir_all(dir).ok();
}
