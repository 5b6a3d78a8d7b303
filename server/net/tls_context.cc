#include "server/net/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace lw {

std::string TlsLastError() {
  unsigned long code = ERR_get_error();
  std::string text;
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    text = buf;
  }
  ERR_clear_error();
  return text;
}

std::unique_ptr<TlsContext> TlsContext::Create(const TlsConfig& config, std::string* error) {
  if (config.cert_file.empty() || config.key_file.empty()) {
    *error = "tls-cert-file and tls-key-file are required with tls-port";
    return nullptr;
  }
  bool verify = config.auth_clients != "no";
  if (verify && config.ca_cert_file.empty()) {
    // Redis's start-up error for the same configuration.
    *error =
        "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, "
        "tls-replication or tls-auth-clients are enabled!";
    return nullptr;
  }
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) {
    *error = "Failed to create TLS context: " + TlsLastError();
    return nullptr;
  }
  std::unique_ptr<TlsContext> out(new TlsContext(ctx));
  // As Redis's defaults: TLS 1.2 and 1.3, no compression, no renegotiation.
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_use_certificate_chain_file(ctx, config.cert_file.c_str()) <= 0) {
    *error = "Failed to load certificate: " + config.cert_file + ": " + TlsLastError();
    return nullptr;
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, config.key_file.c_str(), SSL_FILETYPE_PEM) <= 0) {
    *error = "Failed to load private key: " + config.key_file + ": " + TlsLastError();
    return nullptr;
  }
  if (SSL_CTX_check_private_key(ctx) <= 0) {
    *error = "Private key does not match the certificate: " + TlsLastError();
    return nullptr;
  }
  if (!config.ca_cert_file.empty() &&
      SSL_CTX_load_verify_locations(ctx, config.ca_cert_file.c_str(), nullptr) <= 0) {
    *error = "Failed to configure CA certificate(s) file/directory: " + TlsLastError();
    return nullptr;
  }
  int mode = SSL_VERIFY_NONE;
  if (config.auth_clients == "yes") mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  if (config.auth_clients == "optional") mode = SSL_VERIFY_PEER;
  SSL_CTX_set_verify(ctx, mode, nullptr);
  return out;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

SSL* TlsContext::NewSession() const { return SSL_new(ctx_); }

}  // namespace lw
