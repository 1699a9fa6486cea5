// uws-front: answers the HTTP/1.x requests that the parser of the bundled uWebSockets.js build (uWebSockets v20.42,
// uSockets of May 2023) never answers, by putting a small filter in front of uWS's data handler of its HTTP socket
// context. uWebSockets.js has no adopt-socket API, but its binary exports the uSockets C functions, and a socket
// context is a plain C struct of handler pointers: we read uWS's original handlers from it, install ours with the
// exported setters and chain to the originals.
//
// What the filter does (everything else goes to uWS untouched):
//   - a clean HTTP/1.1 head in one packet goes straight to uWS after one scan of its lines (no copy, no allocation);
//   - HTTP/1.0 is rewritten to HTTP/1.1, with Connection: close unless the client asked for keep-alive, and an empty
//     Host when it sent none (RFC 9112 §3.2);
//   - bare-LF line ends are normalised to CRLF (RFC 9112 §2.2), absolute-form targets to origin-form (§3.2.2);
//   - HTTP/1.1 without Host → 400, more header fields than uWS has room for or a head over MAX_HEAD → 431, other
//     heads uWS would silently wait on (obs-fold, malformed field names or values, bad request line) → 400, HTTP/2+
//     → 505; each answered here with Connection: close, then FIN;
//   - pipelining: bytes of a further request that arrive while a response is in flight (marked from JavaScript with
//     responseInFlight / responseEnded) are held and handed to uWS one request at a time once it has ended.
//
// Safety: install() refuses to hook (and nothing changes) unless the context struct read through our mirror agrees
// with the exported accessors, every original handler lies in the uWS binary, and the setters' effect reads back. All
// handler bodies catch C++ exceptions (a failure closes that one connection). Only the installing thread may use it.
#include <node_api.h>
#include <uv.h>
#include <v8.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#if defined(__linux__)
#include <dlfcn.h>
#include <pthread.h>
#define UWS_FRONT_SUPPORTED 1
#else
#define UWS_FRONT_SUPPORTED 0
#endif

namespace {

struct us_socket_t;
struct us_loop_t;
struct us_poll_t;

// Mirror of uSockets' struct us_socket_context_t (src/internal/internal.h at uSockets 0866daff, the submodule of
// uWebSockets v20.42). Offsets checked against the binary's us_socket_context_on_* setters (on_data at 0x40).
struct us_socket_context_t {
  alignas(16) us_loop_t *loop;
  uint32_t global_tick;
  unsigned char timestamp;
  unsigned char long_timestamp;
  us_socket_t *head_sockets;
  void *head_listen_sockets;
  us_socket_t *iterator;
  us_socket_context_t *prev, *next;
  us_socket_t *(*on_open)(us_socket_t *, int is_client, char *ip, int ip_length);
  us_socket_t *(*on_data)(us_socket_t *, char *data, int length);
  us_socket_t *(*on_writable)(us_socket_t *);
  us_socket_t *(*on_close)(us_socket_t *, int code, void *reason);
  us_socket_t *(*on_socket_timeout)(us_socket_t *);
  us_socket_t *(*on_socket_long_timeout)(us_socket_t *);
  us_socket_t *(*on_end)(us_socket_t *);
  us_socket_t *(*on_connect_error)(us_socket_t *, int code);
  int (*is_low_prio)(us_socket_t *);
};
static_assert(offsetof(us_socket_context_t, on_open) == 0x38, "uSockets context layout");
static_assert(offsetof(us_socket_context_t, on_data) == 0x40, "uSockets context layout");
static_assert(offsetof(us_socket_context_t, on_close) == 0x50, "uSockets context layout");
static_assert(sizeof(us_socket_context_t) == 0x80, "uSockets context layout");

using OpenFn = us_socket_t *(*)(us_socket_t *, int, char *, int);
using DataFn = us_socket_t *(*)(us_socket_t *, char *, int);
using CloseFn = us_socket_t *(*)(us_socket_t *, int, void *);

// uSockets functions, resolved from the uWS binary with dlsym.
struct Api {
  us_socket_context_t *(*socket_context)(int, us_socket_t *);
  us_loop_t *(*context_loop)(int, us_socket_context_t *);
  void (*on_open)(int, us_socket_context_t *, OpenFn);
  void (*on_data)(int, us_socket_context_t *, DataFn);
  void (*on_close)(int, us_socket_context_t *, CloseFn);
  int (*write)(int, us_socket_t *, const char *, int, int);
  void (*shutdown)(int, us_socket_t *);
  us_socket_t *(*close)(int, us_socket_t *, int, void *);
  int (*is_closed)(int, us_socket_t *);
  int (*is_shut_down)(int, us_socket_t *);
  int (*poll_events)(us_poll_t *);
  void (*timeout)(int, us_socket_t *, unsigned int);
};
Api api;
bool api_ready = false;

// libuv build of uSockets: LIBUS_SOCKET_WRITABLE is UV_WRITABLE. A socket polled for writability has bytes uWS could
// not write yet (uSockets arms it on a short write and disarms it once a writable event drained everything).
constexpr int SOCKET_WRITABLE = UV_WRITABLE;

// uWS's parser writes a fence at data[length] and data[length + 1] and reads 8-byte words past the end: every buffer
// handed to it needs this much room after the data (MINIMUM_HTTP_POST_PADDING in HttpParser.h).
constexpr size_t PAD = 32;
// uWS's header table (HttpRequest::MAX_HEADERS = 50) has room for the request line, 48 fields and an end marker.
constexpr int MAX_FIELDS = 48;
constexpr size_t MAX_HEAD = 16 * 1024;
// Bytes of further requests held per connection while a response is in flight; more closes the connection.
constexpr size_t MAX_HELD = 64 * 1024;
// An error answer waiting for uWS's unsent bytes gives up (closes) after this many 10 ms ticks.
constexpr int MAX_DEFER_TICKS = 1000;

struct Hooked {
  us_socket_context_t *ctx;
  OpenFn open;
  DataFn data;
  CloseFn close;
};
constexpr int MAX_CONTEXTS = 256;
Hooked hooked[MAX_CONTEXTS];
int hooked_count = 0;

struct Conn {
  uint64_t serial = 0;
  std::vector<char> in;  // unprocessed bytes: a partial head, or requests held behind a response in flight
  uint64_t body_left = 0;  // Content-Length bytes of the current request still to pass through
  bool passthrough = false;  // a chunked request was seen: uWS gets everything from here on, unfiltered
  bool busy = false;  // a response is in flight (responseInFlight .. responseEnded)
  bool closing = false;  // we answered an error: input is dropped, the answer goes out, then FIN
  std::string out;  // our error answer
  size_t out_sent = 0;
  int defer_ticks = 0;
  bool idle() const { return in.empty() && body_left == 0 && !passthrough && !busy && !closing; }
};
std::unordered_map<us_socket_t *, Conn *> conns;
std::unordered_map<uint64_t, us_socket_t *> serials;
uint64_t next_serial = 1;
us_socket_t *current = nullptr;  // the socket whose request uWS is handling right now (set around each hand-off)
std::vector<uint64_t> deferred;  // serials of error answers waiting to be written
uv_timer_t defer_timer;
bool timer_ready = false;
size_t held_total = 0;
#if UWS_FRONT_SUPPORTED
pthread_t owner_thread;
bool owner_set = false;
#endif

const Hooked *find_hooked(us_socket_context_t *ctx) {
  for (int i = 0; i < hooked_count; i++) {
    if (hooked[i].ctx == ctx) return &hooked[i];
  }
  return nullptr;
}

Conn *find_conn(us_socket_t *s) {
  auto it = conns.find(s);
  return it == conns.end() ? nullptr : it->second;
}

Conn *get_conn(us_socket_t *s) {
  Conn *c = find_conn(s);
  if (c != nullptr) return c;
  c = new Conn();
  c->serial = next_serial++;
  conns.emplace(s, c);
  serials.emplace(c->serial, s);
  return c;
}

void drop_conn(us_socket_t *s) {
  auto it = conns.find(s);
  if (it == conns.end()) return;
  Conn *c = it->second;
  held_total -= c->in.size();
  serials.erase(c->serial);
  conns.erase(it);
  delete c;
}

// ---------------------------------------------------------------------------------------------------------------
// Head analysis

enum class Verdict { Incomplete, Clean, Fix, Error };

struct Head {
  size_t skip = 0;  // empty lines before the request line (RFC 9112 §2.2 says to ignore them)
  size_t len = 0;  // bytes of the head from the start of the buffer, blank line included
  int status = 0;
  const char *why = "";
  bool head_method = false;
  size_t method_b = 0, method_e = 0, target_b = 0, target_e = 0;
  size_t path_b = 0, path_e = 0;  // origin-form part of the target
  size_t auth_b = 0, auth_e = 0;  // authority of an absolute-form target
  bool absolute = false, http10 = false, version_fix = false, bare_lf = false;
  bool has_host = false, has_cl = false, has_te = false, has_connection = false, keep_alive = false;
  uint64_t cl = 0;
  int fields = 0;
};

inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; }

bool iequals(const char *p, size_t n, const char *lit) {
  size_t m = strlen(lit);
  if (n != m) return false;
  for (size_t i = 0; i < n; i++) {
    if (lower(p[i]) != lit[i]) return false;
  }
  return true;
}

// True when the comma-separated list [p, p+n) holds the token `tok` (case-insensitive).
bool has_token(const char *p, size_t n, const char *tok) {
  size_t i = 0;
  while (i < n) {
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == ',')) i++;
    size_t b = i;
    while (i < n && p[i] != ',') i++;
    size_t e = i;
    while (e > b && (p[e - 1] == ' ' || p[e - 1] == '\t')) e--;
    if (e > b && iequals(p + b, e - b, tok)) return true;
  }
  return false;
}

// The field-name bytes uWS accepts (HttpParser.h isFieldNameByte): letters, digits and '-'.
inline bool name_byte(unsigned char x) {
  return x == '-' || (x >= '0' && x <= '9') || (x >= 'A' && x <= 'Z') || (x >= 'a' && x <= 'z');
}

Verdict error(Head &h, int status, const char *why) {
  h.status = status;
  h.why = why;
  return Verdict::Error;
}

Verdict parse_request_line(const char *d, size_t b, size_t e, Head &h) {
  size_t sp1 = b;
  while (sp1 < e && d[sp1] != ' ') sp1++;
  if (sp1 == b || sp1 >= e) return error(h, 400, "malformed request line");
  for (size_t i = b; i < sp1; i++) {
    unsigned char x = (unsigned char)d[i];
    if (x <= 32 || x >= 127) return error(h, 400, "malformed request line");
  }
  h.method_b = b;
  h.method_e = sp1;
  h.head_method = iequals(d + b, sp1 - b, "head");
  size_t tb = sp1 + 1;
  size_t sp2 = tb;
  while (sp2 < e && d[sp2] != ' ') sp2++;
  if (sp2 == tb || sp2 >= e) return error(h, 400, "malformed request line");
  for (size_t i = tb; i < sp2; i++) {
    unsigned char x = (unsigned char)d[i];
    if (x <= 32 || x == 127) return error(h, 400, "malformed request line");
  }
  h.target_b = tb;
  h.target_e = sp2;
  const char *v = d + sp2 + 1;
  size_t vn = e - (sp2 + 1);
  if (vn != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' || v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9') {
    return error(h, 400, "malformed request line");
  }
  if (v[5] != '1') return error(h, 505, "HTTP version not supported; use HTTP/1.1");
  if (v[7] == '0') h.http10 = true;
  else if (v[7] != '1') h.version_fix = true;  // HTTP/1.2+ is understood as 1.1 (RFC 9110 §2.5)

  if (d[tb] == '/') {
    h.path_b = tb;
    h.path_e = sp2;
    return Verdict::Clean;
  }
  size_t scheme = 0;
  if (sp2 - tb > 7 && iequals(d + tb, 7, "http://")) scheme = 7;
  else if (sp2 - tb > 8 && iequals(d + tb, 8, "https://")) scheme = 8;
  if (scheme == 0) return error(h, 400, "request target must be a path (origin-form) or an absolute http URL");
  h.absolute = true;
  h.auth_b = tb + scheme;
  size_t p = h.auth_b;
  while (p < sp2 && d[p] != '/' && d[p] != '?' && d[p] != '#') p++;
  h.auth_e = p;
  if (h.auth_e == h.auth_b) return error(h, 400, "absolute request target without a host");
  if (p < sp2 && d[p] == '#') return error(h, 400, "malformed request target");
  h.path_b = p;
  h.path_e = sp2;
  return Verdict::Clean;
}

// Scans one request head at the start of d[0..n). Reads at most MAX_HEAD + a little bytes.
Verdict analyze(const char *d, size_t n, Head &h) {
  size_t limit = n < MAX_HEAD + 2 ? n : MAX_HEAD + 2;
  size_t pos = 0;
  bool seen_request_line = false;
  for (;;) {
    const char *nl = (const char *)memchr(d + pos, '\n', limit - pos);
    if (nl == nullptr) {
      if (limit > MAX_HEAD) return error(h, 431, "request head too large");
      return Verdict::Incomplete;
    }
    size_t end = (size_t)(nl - d);
    size_t ce = (end > pos && d[end - 1] == '\r') ? end - 1 : end;
    if (ce == end) h.bare_lf = true;
    if (end + 1 > MAX_HEAD) return error(h, 431, "request head too large");
    if (!seen_request_line) {
      if (ce == pos) {
        // Empty lines before the request line; bounded by MAX_HEAD like the rest.
        h.skip = end + 1;
        pos = end + 1;
        if (pos >= limit) return limit > MAX_HEAD ? error(h, 431, "request head too large") : Verdict::Incomplete;
        continue;
      }
      Verdict v = parse_request_line(d, pos, ce, h);
      if (v == Verdict::Error) return v;
      seen_request_line = true;
    } else if (ce == pos) {
      h.len = end + 1;
      break;
    } else {
      if (d[pos] == ' ' || d[pos] == '\t') return error(h, 400, "obsolete line folding in a header field");
      size_t ne = pos;
      while (ne < ce && name_byte((unsigned char)d[ne])) ne++;
      if (ne == pos || ne >= ce || d[ne] != ':') return error(h, 400, "malformed header field name");
      for (size_t i = ne + 1; i < ce; i++) {
        unsigned char x = (unsigned char)d[i];
        if (x < 32 && x != '\t') return error(h, 400, "control character in a header field value");
      }
      if (++h.fields > MAX_FIELDS) return error(h, 431, "too many header fields");
      const char *name = d + pos;
      size_t nn = ne - pos;
      size_t vb = ne + 1, ve = ce;
      while (vb < ve && (d[vb] == ' ' || d[vb] == '\t')) vb++;
      while (ve > vb && (d[ve - 1] == ' ' || d[ve - 1] == '\t')) ve--;
      if (nn == 4 && iequals(name, nn, "host")) {
        if (h.has_host) return error(h, 400, "more than one Host header");
        h.has_host = true;
      } else if (nn == 14 && iequals(name, nn, "content-length")) {
        if (vb == ve || ve - vb > 15) return error(h, 400, "invalid Content-Length");
        uint64_t v = 0;
        for (size_t i = vb; i < ve; i++) {
          if (d[i] < '0' || d[i] > '9') return error(h, 400, "invalid Content-Length");
          v = v * 10 + (uint64_t)(d[i] - '0');
        }
        // uWS keeps the remaining length in 32 bits and treats UINT_MAX as an error.
        if (v >= 0xFFFFFFFFull) return error(h, 400, "Content-Length too large");
        if (h.has_cl && v != h.cl) return error(h, 400, "conflicting Content-Length headers");
        h.has_cl = true;
        h.cl = v;
      } else if (nn == 17 && iequals(name, nn, "transfer-encoding")) {
        h.has_te = true;
      } else if (nn == 10 && iequals(name, nn, "connection")) {
        h.has_connection = true;
        if (has_token(d + vb, ve - vb, "keep-alive")) h.keep_alive = true;
      }
    }
    pos = end + 1;
    if (pos >= limit) {
      if (limit > MAX_HEAD) return error(h, 431, "request head too large");
      return Verdict::Incomplete;
    }
  }
  if (h.has_te && h.has_cl) return error(h, 400, "both Transfer-Encoding and Content-Length");
  bool add_host = false;
  if (!h.has_host) {
    if (!h.http10 && !h.absolute) return error(h, 400, "missing Host header");
    add_host = true;
  }
  int added = (add_host ? 1 : 0) + (h.http10 && !h.keep_alive && !h.has_connection ? 1 : 0);
  if (h.fields + added > MAX_FIELDS) return error(h, 431, "too many header fields");
  if (h.skip || h.bare_lf || h.absolute || h.http10 || h.version_fix || add_host) return Verdict::Fix;
  return Verdict::Clean;
}

// Writes the head as uWS accepts it: origin-form target, HTTP/1.1, CRLF line ends, Host and Connection as needed.
// Returns its length; `out` holds PAD more bytes after it for uWS's fence.
size_t rewrite(const char *d, const Head &h, std::vector<char> &out) {
  out.clear();
  out.reserve(h.len + 64 + (h.auth_e - h.auth_b) + PAD);
  auto put = [&out](const char *p, size_t n) { out.insert(out.end(), p, p + n); };
  auto puts = [&put](const char *s) { put(s, strlen(s)); };
  put(d + h.method_b, h.method_e - h.method_b);
  puts(" ");
  if (h.path_b == h.path_e || d[h.path_b] != '/') puts("/");
  put(d + h.path_b, h.path_e - h.path_b);
  puts(" HTTP/1.1\r\n");
  bool force_close = h.http10 && !h.keep_alive;
  // Skip the request line, then copy each field line with CRLF.
  size_t pos = (const char *)memchr(d + h.skip, '\n', h.len - h.skip) - d + 1;
  while (pos < h.len) {
    size_t end = (const char *)memchr(d + pos, '\n', h.len - pos) - d;
    size_t ce = (end > pos && d[end - 1] == '\r') ? end - 1 : end;
    if (ce == pos) break;
    size_t colon = (const char *)memchr(d + pos, ':', ce - pos) - d;
    if (force_close && iequals(d + pos, colon - pos, "connection")) {
      // uWS closes after the response only when the first Connection value is exactly five bytes long ("close").
      puts("Connection: close\r\n");
    } else {
      put(d + pos, ce - pos);
      puts("\r\n");
    }
    pos = end + 1;
  }
  if (!h.has_host) {
    puts("Host: ");
    if (h.absolute) put(d + h.auth_b, h.auth_e - h.auth_b);
    puts("\r\n");
  }
  if (force_close && !h.has_connection) puts("Connection: close\r\n");
  puts("\r\n");
  size_t len = out.size();
  out.resize(len + PAD, '\0');
  return len;
}

const char *reason_phrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 431: return "Request Header Fields Too Large";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Hand-off to uWS

// Hands d[0..n) to uWS's data handler. d must have PAD writable bytes after n; they are restored afterwards, since
// uWS fences there and they may be the start of the next request.
us_socket_t *hand(const Hooked *hk, us_socket_t *s, char *d, size_t n) {
  char saved[PAD];
  memcpy(saved, d + n, PAD);
  us_socket_t *prev = current;
  current = s;
  us_socket_t *r = hk->data(s, d, (int)n);
  current = prev;
  memcpy(d + n, saved, PAD);
  return r;
}

void start_timer();

// Writes as much of our error answer as the socket takes once uWS has nothing unsent; FIN when all is out.
// False when it has to wait.
bool flush_answer(us_socket_t *s, Conn *c) {
  if (api.is_closed(0, s)) return true;
  if (api.poll_events((us_poll_t *)s) & SOCKET_WRITABLE) return false;  // uWS still has bytes of an earlier answer
  while (c->out_sent < c->out.size()) {
    int w = api.write(0, s, c->out.data() + c->out_sent, (int)(c->out.size() - c->out_sent), 0);
    if (w <= 0) return false;
    c->out_sent += (size_t)w;
  }
  api.shutdown(0, s);
  // uWS's idle timeout closes the socket if the client never closes its side.
  api.timeout(0, s, 10);
  return true;
}

void answer(us_socket_t *s, Conn *c, const Head &h) {
  std::string body = std::string(h.why) + "\n";
  std::string out = "HTTP/1.1 " + std::to_string(h.status) + " " + reason_phrase(h.status) +
                    "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " + std::to_string(body.size()) +
                    "\r\nConnection: close\r\n\r\n";
  if (!h.head_method) out += body;
  c->closing = true;
  held_total -= c->in.size();
  c->in.clear();
  c->in.shrink_to_fit();
  c->out = std::move(out);
  c->out_sent = 0;
  if (!flush_answer(s, c)) {
    deferred.push_back(c->serial);
    start_timer();
  }
}

bool hold(us_socket_t *s, Conn *c, const char *d, size_t n) {
  if (c->in.size() + n > MAX_HELD) {
    // A client piling up this much behind a response is not waiting for it; the in-flight response ends too.
    api.close(0, s, 0, nullptr);
    return false;
  }
  c->in.insert(c->in.end(), d, d + n);
  held_total += n;
  return true;
}

// Processes d[0..n) (PAD writable bytes after n) request by request.
us_socket_t *run(const Hooked *hk, us_socket_t *s, char *d, size_t n) {
  size_t off = 0;
  us_socket_t *r = s;
  std::vector<char> fixed;
  while (off < n) {
    Conn *c = find_conn(s);
    if (c == nullptr || api.is_closed(0, s) || api.is_shut_down(0, s)) return r;
    if (c->closing) return r;
    if (c->passthrough) return hand(hk, s, d + off, n - off);
    if (c->body_left > 0) {
      size_t k = (size_t)(c->body_left < n - off ? c->body_left : n - off);
      c->body_left -= k;
      r = hand(hk, s, d + off, k);
      off += k;
      if (r != s) return r;
      continue;
    }
    if (c->busy) {
      hold(s, c, d + off, n - off);
      return r;
    }
    Head h;
    Verdict v = analyze(d + off, n - off, h);
    if (v == Verdict::Incomplete) {
      hold(s, c, d + off, n - off);
      return r;
    }
    if (v == Verdict::Error) {
      answer(s, c, h);
      return r;
    }
    size_t rest = n - off - h.len;
    if (h.has_te) {
      // Chunked bodies are left to uWS's own decoder; this connection is no longer filtered.
      c->passthrough = true;
      if (v == Verdict::Clean) return hand(hk, s, d + off, n - off);
      size_t fixed_len = rewrite(d + off, h, fixed);
      r = hand(hk, s, fixed.data(), fixed_len);
      off += h.len;
      if (r != s) return r;
      continue;
    }
    size_t body_now = (size_t)(h.cl < rest ? h.cl : rest);
    if (v == Verdict::Clean) {
      c->body_left = h.cl - body_now;
      r = hand(hk, s, d + off, h.len + body_now);
      off += h.len + body_now;
    } else {
      c->body_left = h.cl;
      size_t fixed_len = rewrite(d + off, h, fixed);
      r = hand(hk, s, fixed.data(), fixed_len);
      off += h.len;
    }
    if (r != s) return r;
  }
  return r;
}

us_socket_t *hook_data(us_socket_t *s, char *data, int length) {
  us_socket_context_t *ctx = api.socket_context(0, s);
  const Hooked *hk = find_hooked(ctx);
  if (hk == nullptr) return s;  // cannot happen: only hooked contexts call us
  if (length <= 0) return hk->data(s, data, length);
  size_t n = (size_t)length;
  try {
    Conn *c = find_conn(s);
    if (c == nullptr || c->idle()) {
      // Fast path: one clean head (and its whole body) in this packet goes to uWS as it came.
      Head h;
      if (analyze(data, n, h) == Verdict::Clean && !h.has_te && h.len + h.cl == n) {
        us_socket_t *prev = current;
        current = s;
        us_socket_t *r = hk->data(s, data, length);
        current = prev;
        return r;
      }
    }
    c = get_conn(s);
    if (c->in.empty()) return run(hk, s, data, n);
    std::vector<char> work;
    work.reserve(c->in.size() + n + PAD);
    work.insert(work.end(), c->in.begin(), c->in.end());
    work.insert(work.end(), data, data + n);
    held_total -= c->in.size();
    c->in.clear();
    size_t len = work.size();
    work.resize(len + PAD, '\0');
    return run(hk, s, work.data(), len);
  } catch (...) {
    current = nullptr;
    if (!api.is_closed(0, s)) api.close(0, s, 0, nullptr);
    return s;
  }
}

us_socket_t *hook_open(us_socket_t *s, int is_client, char *ip, int ip_length) {
  const Hooked *hk = find_hooked(api.socket_context(0, s));
  drop_conn(s);  // an address reused by a socket whose close we never saw
  return hk == nullptr ? s : hk->open(s, is_client, ip, ip_length);
}

us_socket_t *hook_close(us_socket_t *s, int code, void *reason) {
  const Hooked *hk = find_hooked(api.socket_context(0, s));
  drop_conn(s);
  return hk == nullptr ? s : hk->close(s, code, reason);
}

void on_defer_tick(uv_timer_t *) {
  std::vector<uint64_t> still;
  for (uint64_t serial : deferred) {
    auto it = serials.find(serial);
    if (it == serials.end()) continue;
    us_socket_t *s = it->second;
    Conn *c = find_conn(s);
    if (c == nullptr) continue;
    try {
      if (flush_answer(s, c)) continue;
    } catch (...) {
    }
    if (++c->defer_ticks > MAX_DEFER_TICKS) {
      api.close(0, s, 0, nullptr);
      continue;
    }
    still.push_back(serial);
  }
  deferred.swap(still);
  if (deferred.empty()) uv_timer_stop(&defer_timer);
}

void start_timer() {
  if (!timer_ready) return;
  if (!uv_is_active((uv_handle_t *)&defer_timer)) uv_timer_start(&defer_timer, on_defer_tick, 10, 10);
}

// ---------------------------------------------------------------------------------------------------------------
// N-API surface

// uWebSockets.js hands out the listen socket as a plain v8::External. napi_get_value_external only understands
// externals made by napi_create_external (Node 20 wraps those), so this one value is read through V8: a napi_value
// is the slot of a v8::Local (node's own V8LocalValueFromJsValue does the same copy).
void *raw_external(napi_value value) {
  v8::Local<v8::Value> local;
  static_assert(sizeof(local) == sizeof(value), "napi_value is a v8::Local slot");
  memcpy(static_cast<void *>(&local), &value, sizeof(value));
  if (local.IsEmpty() || !local->IsExternal()) return nullptr;
  return local.As<v8::External>()->Value();
}

napi_value make_result(napi_env env, bool ok, const std::string &reason) {
  napi_value obj, v;
  napi_create_object(env, &obj);
  napi_get_boolean(env, ok, &v);
  napi_set_named_property(env, obj, "installed", v);
  if (!ok) {
    napi_create_string_utf8(env, reason.c_str(), reason.size(), &v);
    napi_set_named_property(env, obj, "reason", v);
  }
  return obj;
}

#if UWS_FRONT_SUPPORTED
template <typename T>
bool resolve(void *lib, const char *name, T &out) {
  out = reinterpret_cast<T>(dlsym(lib, name));
  return out != nullptr;
}

bool same_object(const void *fn, const void *base) {
  Dl_info info;
  if (fn == nullptr || dladdr(fn, &info) == 0) return false;
  return info.dli_fbase == base;
}
#endif

// install(listenSocket: External, uwsBinaryPath: string) → { installed, reason? }
napi_value Install(napi_env env, napi_callback_info cbinfo) {
#if !UWS_FRONT_SUPPORTED
  return make_result(env, false, "only supported on Linux");
#else
  if (sizeof(void *) != 8) return make_result(env, false, "only supported on 64-bit builds");
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, cbinfo, &argc, argv, nullptr, nullptr) != napi_ok || argc < 2) {
    return make_result(env, false, "install(listenSocket, uwsBinaryPath) needs two arguments");
  }
  void *listen = raw_external(argv[0]);
  if (listen == nullptr) {
    return make_result(env, false, "the listen socket is not a uWS us_listen_socket (External)");
  }
  char path[4096];
  size_t plen = 0;
  if (napi_get_value_string_utf8(env, argv[1], path, sizeof path, &plen) != napi_ok || plen == 0 || plen >= sizeof path - 1) {
    return make_result(env, false, "the uWS binary path is not a string");
  }
  if (owner_set && !pthread_equal(owner_thread, pthread_self())) {
    return make_result(env, false, "already in use on another thread");
  }
  void *lib = dlopen(path, RTLD_LAZY | RTLD_NOLOAD);
  if (lib == nullptr) return make_result(env, false, std::string("the uWS binary is not loaded from ") + path);
  Api a{};
  bool ok = resolve(lib, "us_socket_context", a.socket_context) && resolve(lib, "us_socket_context_loop", a.context_loop) &&
            resolve(lib, "us_socket_context_on_open", a.on_open) && resolve(lib, "us_socket_context_on_data", a.on_data) &&
            resolve(lib, "us_socket_context_on_close", a.on_close) && resolve(lib, "us_socket_write", a.write) &&
            resolve(lib, "us_socket_shutdown", a.shutdown) && resolve(lib, "us_socket_close", a.close) &&
            resolve(lib, "us_socket_is_closed", a.is_closed) && resolve(lib, "us_socket_is_shut_down", a.is_shut_down) &&
            resolve(lib, "us_poll_events", a.poll_events) && resolve(lib, "us_socket_timeout", a.timeout);
  Dl_info self;
  bool found_base = ok && dladdr(reinterpret_cast<void *>(a.on_data), &self) != 0;
  dlclose(lib);  // RTLD_NOLOAD took a reference; Node keeps its own
  if (!ok) return make_result(env, false, "the uWS binary does not export the uSockets functions this needs");
  if (!found_base) return make_result(env, false, "dladdr cannot place the uWS binary");
  const void *base = self.dli_fbase;

  us_socket_context_t *ctx = a.socket_context(0, static_cast<us_socket_t *>(listen));
  if (ctx == nullptr) return make_result(env, false, "the listen socket has no socket context");
  if (ctx->loop == nullptr || ctx->loop != a.context_loop(0, ctx)) {
    return make_result(env, false, "the socket context layout does not match this uSockets build");
  }
  if (ctx->on_data == hook_data) return make_result(env, true, "");  // this context is already hooked
  if (!same_object((void *)ctx->on_open, base) || !same_object((void *)ctx->on_data, base) ||
      !same_object((void *)ctx->on_close, base) || !same_object((void *)ctx->on_writable, base) ||
      !same_object((void *)ctx->on_end, base) || !same_object((void *)ctx->on_socket_timeout, base)) {
    return make_result(env, false, "the socket context's handlers are not uWS's own (layout mismatch or already hooked by other code)");
  }
  if (!timer_ready) {
    uv_loop_t *loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr || uv_timer_init(loop, &defer_timer) != 0) {
      return make_result(env, false, "no libuv loop for the deferred-answer timer");
    }
    uv_unref((uv_handle_t *)&defer_timer);
    timer_ready = true;
  }
  // Reuse the slot of a context freed and reallocated at the same address, else take a new one.
  int slot = -1;
  for (int i = 0; i < hooked_count; i++) {
    if (hooked[i].ctx == ctx) slot = i;
  }
  if (slot < 0) {
    if (hooked_count >= MAX_CONTEXTS) return make_result(env, false, "too many HTTP servers hooked in this process");
    slot = hooked_count;
  }
  Hooked hk{ctx, ctx->on_open, ctx->on_data, ctx->on_close};
  api = a;
  api_ready = true;
  hooked[slot] = hk;
  if (slot == hooked_count) hooked_count++;
  owner_thread = pthread_self();
  owner_set = true;
  a.on_open(0, ctx, hook_open);
  a.on_close(0, ctx, hook_close);
  a.on_data(0, ctx, hook_data);
  if (ctx->on_data != hook_data || ctx->on_open != hook_open || ctx->on_close != hook_close) {
    a.on_open(0, ctx, hk.open);
    a.on_close(0, ctx, hk.close);
    a.on_data(0, ctx, hk.data);
    return make_result(env, false, "the socket context setters did not take effect as expected");
  }
  return make_result(env, true, "");
#endif
}

bool on_owner_thread() {
#if UWS_FRONT_SUPPORTED
  return api_ready && owner_set && pthread_equal(owner_thread, pthread_self());
#else
  return false;
#endif
}

// responseInFlight() → token (0 when not inside a request handler of a hooked server)
napi_value ResponseInFlight(napi_env env, napi_callback_info) {
  double token = 0;
  if (on_owner_thread() && current != nullptr) {
    try {
      Conn *c = get_conn(current);
      c->busy = true;
      token = (double)c->serial;
    } catch (...) {
    }
  }
  napi_value v;
  napi_create_double(env, token, &v);
  return v;
}

uint64_t token_arg(napi_env env, napi_callback_info cbinfo) {
  size_t argc = 1;
  napi_value argv[1];
  double d = 0;
  if (napi_get_cb_info(env, cbinfo, &argc, argv, nullptr, nullptr) != napi_ok || argc < 1) return 0;
  if (napi_get_value_double(env, argv[0], &d) != napi_ok || !(d >= 1) || d > 9007199254740991.0) return 0;
  return (uint64_t)d;
}

// responseEnded(token) → true when held bytes wait for release(token)
napi_value ResponseEnded(napi_env env, napi_callback_info cbinfo) {
  bool pending = false;
  uint64_t serial = token_arg(env, cbinfo);
  if (serial != 0 && on_owner_thread()) {
    auto it = serials.find(serial);
    if (it != serials.end()) {
      Conn *c = find_conn(it->second);
      if (c != nullptr) {
        c->busy = false;
        pending = !c->in.empty() && !c->closing;
      }
    }
  }
  napi_value v;
  napi_get_boolean(env, pending, &v);
  return v;
}

// release(token): hands held requests to uWS. Must run outside any uWS callback (front-hook.ts uses setImmediate).
napi_value Release(napi_env env, napi_callback_info cbinfo) {
  uint64_t serial = token_arg(env, cbinfo);
  if (serial != 0 && on_owner_thread() && current == nullptr) {
    auto it = serials.find(serial);
    if (it != serials.end()) {
      us_socket_t *s = it->second;
      Conn *c = find_conn(s);
      const Hooked *hk = c == nullptr ? nullptr : find_hooked(api.socket_context(0, s));
      if (hk != nullptr && !c->busy && !c->closing && !c->in.empty() && !api.is_closed(0, s)) {
        try {
          std::vector<char> work;
          work.swap(c->in);
          held_total -= work.size();
          size_t len = work.size();
          work.resize(len + PAD, '\0');
          run(hk, s, work.data(), len);
        } catch (...) {
          current = nullptr;
          if (!api.is_closed(0, s)) api.close(0, s, 0, nullptr);
        }
      }
    }
  }
  napi_value undef;
  napi_get_undefined(env, &undef);
  return undef;
}

// stats() → { contexts, connections, heldBytes, deferredAnswers }
napi_value Stats(napi_env env, napi_callback_info) {
  napi_value obj, v;
  napi_create_object(env, &obj);
  napi_create_double(env, hooked_count, &v);
  napi_set_named_property(env, obj, "contexts", v);
  napi_create_double(env, (double)conns.size(), &v);
  napi_set_named_property(env, obj, "connections", v);
  napi_create_double(env, (double)held_total, &v);
  napi_set_named_property(env, obj, "heldBytes", v);
  napi_create_double(env, (double)deferred.size(), &v);
  napi_set_named_property(env, obj, "deferredAnswers", v);
  return obj;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"install", nullptr, Install, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"responseInFlight", nullptr, ResponseInFlight, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"responseEnded", nullptr, ResponseEnded, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"release", nullptr, Release, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"stats", nullptr, Stats, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
