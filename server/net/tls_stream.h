// TlsStream: one TLS session over a connection's FiberSocket, on the connection's own fiber
// and proactor. OpenSSL never touches the socket: it works on two memory BIOs, which this class
// fills from the socket's reads and drains into its writes, so a slow peer suspends only this
// fiber (FiberSocket's WaitReadable / SendAll), exactly as a plain connection does.
// Thread-safety: owner fiber only. Lifetime: within the socket's.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "io/socket.h"

typedef struct ssl_st SSL;
typedef struct bio_st BIO;

namespace lw {

class TlsStream {
 public:
  // Takes ownership of `ssl` (TlsContext::NewSession).
  TlsStream(SSL* ssl, io::FiberSocket* socket);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  // The server handshake, suspending while the client is slow. False if the socket closed or
  // the handshake failed (a refused client certificate: the alert is sent first).
  bool Handshake();
  // Decrypted bytes into buf: > 0; 0 at EOF (close_notify or the socket's); -EAGAIN when the
  // socket has nothing more now (wait readable, then call again); -EIO on a TLS error.
  ssize_t Read(char* buf, size_t len);
  // Encrypts and sends all of `data`. 0 or -errno.
  int SendAll(std::string_view data);

 private:
  // Sends what OpenSSL wrote into the outgoing BIO. 0 or -errno.
  int FlushOut();
  // Moves what the socket has into the incoming BIO: > 0 bytes, 0 at EOF, -EAGAIN, -errno.
  ssize_t FillIn();

  SSL* ssl_;
  BIO* in_;   // socket -> OpenSSL (owned by ssl_)
  BIO* out_;  // OpenSSL -> socket (owned by ssl_)
  io::FiberSocket* socket_;
};

}  // namespace lw
