// TlsContext: the server side of TLS, built once from the tls-* settings (certificate, key,
// CA for client certificates, tls-auth-clients) and shared by every TLS connection. Wraps an
// OpenSSL SSL_CTX (Debian's libssl).
// Thread-safety: Create on one thread; NewSession from any thread (SSL_CTX is safe for that
// once configured). Lifetime: outlives every session made from it.
#pragma once

#include <memory>
#include <string>

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace lw {

struct TlsConfig {
  int port = 0;  // tls-port: 0 = no TLS listener
  std::string cert_file;
  std::string key_file;
  std::string ca_cert_file;
  // tls-auth-clients: "yes" (a client certificate signed by the CA is required), "optional"
  // (checked if sent) or "no".
  std::string auth_clients = "yes";
};

class TlsContext {
 public:
  // Loads the certificate, key and CA; nullptr with *error set (Redis's wording where it has
  // one) if any is missing or unreadable.
  static std::unique_ptr<TlsContext> Create(const TlsConfig& config, std::string* error);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // A new server-side session (caller owns; SSL_free).
  SSL* NewSession() const;

 private:
  explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* ctx_;
};

// The text of OpenSSL's most recent error on this thread ("" if none), clearing the queue.
std::string TlsLastError();

}  // namespace lw
