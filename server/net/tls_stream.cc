#include "server/net/tls_stream.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "base/logging.h"
#include "server/net/tls_context.h"

namespace lw {

namespace {
// Plaintext per SSL_write: one TLS record's worth, so a big reply is encrypted and sent in
// pieces instead of doubling in memory.
constexpr size_t kWriteChunk = 16 * 1024;
constexpr size_t kReadChunk = 16 * 1024;
}  // namespace

TlsStream::TlsStream(SSL* ssl, io::FiberSocket* socket) : ssl_(ssl), socket_(socket) {
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  // An empty incoming BIO means "retry later", not EOF.
  BIO_set_mem_eof_return(in_, -1);
  BIO_set_mem_eof_return(out_, -1);
  SSL_set_bio(ssl_, in_, out_);
  SSL_set_accept_state(ssl_);
}

TlsStream::~TlsStream() { SSL_free(ssl_); }

int TlsStream::FlushOut() {
  char* data = nullptr;
  long len = BIO_get_mem_data(out_, &data);
  if (len <= 0) return 0;
  int rc = socket_->SendAll(std::string_view(data, size_t(len)));
  (void)BIO_reset(out_);
  return rc;
}

ssize_t TlsStream::FillIn() {
  char buf[kReadChunk];
  while (true) {
    ssize_t n = recv(socket_->fd(), buf, sizeof(buf), MSG_DONTWAIT);
    if (n > 0) {
      BIO_write(in_, buf, int(n));
      return n;
    }
    if (n == 0) return 0;
    if (errno == EINTR) continue;
    return errno == EWOULDBLOCK ? -EAGAIN : -errno;
  }
}

bool TlsStream::Handshake() {
  while (true) {
    int rc = SSL_do_handshake(ssl_);
    // Whatever OpenSSL produced goes out first: the next flight, or the alert that refuses.
    if (FlushOut() != 0) return false;
    if (rc == 1) return true;
    int err = SSL_get_error(ssl_, rc);
    if (err != SSL_ERROR_WANT_READ) {
      VLOG(1) << "TLS handshake failed: " << TlsLastError();
      ERR_clear_error();
      return false;
    }
    ssize_t n = FillIn();
    if (n == -EAGAIN) {
      if (!socket_->WaitReadable()) return false;
      continue;
    }
    if (n <= 0) return false;
  }
}

ssize_t TlsStream::Read(char* buf, size_t len) {
  int want = int(std::min<size_t>(len, 1 << 30));
  while (true) {
    int n = SSL_read(ssl_, buf, want);
    if (n > 0) return n;
    int err = SSL_get_error(ssl_, n);
    if (err == SSL_ERROR_ZERO_RETURN) return 0;
    if (err != SSL_ERROR_WANT_READ) {
      VLOG(1) << "TLS read failed: " << TlsLastError();
      ERR_clear_error();
      return -EIO;
    }
    // Post-handshake messages (session tickets, key updates) may have queued output.
    if (FlushOut() != 0) return -EIO;
    ssize_t got = FillIn();
    if (got <= 0) return got;
  }
}

int TlsStream::SendAll(std::string_view data) {
  while (!data.empty()) {
    int chunk = int(std::min(data.size(), kWriteChunk));
    int n = SSL_write(ssl_, data.data(), chunk);
    if (n <= 0) {
      VLOG(1) << "TLS write failed: " << TlsLastError();
      ERR_clear_error();
      return -EIO;
    }
    data.remove_prefix(size_t(n));
    if (int rc = FlushOut(); rc != 0) return rc;
  }
  return 0;
}

}  // namespace lw
