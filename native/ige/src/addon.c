// Node binding of the AES-NI IGE kernel: `available` and `reason` say whether it can run here (an x86-64 build on a
// CPU with AES-NI and SSE4.1); decrypt(data, key, iv) and encrypt(data, key, iv) return a new Buffer. It also carries
// setMmapThreshold (below): the one native helper StreamBot's memory needs, too small for an addon of its own.
#define NAPI_VERSION 8
#include <node_api.h>
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef STREAMBOT_IGE_AESNI
#include "ige_aesni.h"
#if defined(_MSC_VER)
#include <intrin.h>
#else
#include <cpuid.h>
#endif
#endif

typedef void (*ige_fn)(uint8_t *, const uint8_t *, size_t, const uint8_t *, const uint8_t *);

static const char *unavailable_reason(void) {
#ifdef STREAMBOT_IGE_AESNI
  unsigned int ecx;
#if defined(_MSC_VER)
  int regs[4];
  __cpuid(regs, 1);
  ecx = (unsigned int)regs[2];
#else
  unsigned int eax, ebx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return "this CPU does not report its features (CPUID leaf 1)";
#endif
  if (!(ecx & (1u << 25))) return "this CPU has no AES-NI";
  if (!(ecx & (1u << 19))) return "this CPU has no SSE4.1";
  return NULL;
#else
  return "this build has no AES-NI kernel (not x86-64)";
#endif
}

// The functions' data pointer: set when this CPU can run the kernel. (Not a global: worker threads load the addon
// too.)
static const int can_run = 1;

#define CHECK(call)                                                          \
  do {                                                                       \
    if ((call) != napi_ok) {                                                 \
      napi_throw_error(env, NULL, "streambot-ige: N-API call failed: " #call); \
      return NULL;                                                           \
    }                                                                        \
  } while (0)

// A Buffer or any Uint8Array: its bytes, or a TypeError naming the argument.
static bool get_bytes(napi_env env, napi_value value, const char *message, const uint8_t **data, size_t *len) {
  bool is_typed = false;
  if (napi_is_typedarray(env, value, &is_typed) == napi_ok && is_typed) {
    napi_typedarray_type type;
    void *ptr = NULL;
    if (napi_get_typedarray_info(env, value, &type, len, &ptr, NULL, NULL) == napi_ok && type == napi_uint8_array) {
      *data = (const uint8_t *)ptr;
      return true;
    }
  }
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return false;
}

static napi_value run(napi_env env, napi_callback_info info, ige_fn fn, bool in_place) {
  size_t argc = 3;
  napi_value argv[3];
  void *data_ptr = NULL;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, &data_ptr));
  if (argc < 3) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "IGE takes (data, key, iv)");
    return NULL;
  }
  const uint8_t *data, *key, *iv;
  size_t data_len, key_len, iv_len;
  if (!get_bytes(env, argv[0], "IGE data must be a Buffer or Uint8Array", &data, &data_len)) return NULL;
  if (!get_bytes(env, argv[1], "IGE key must be a Buffer or Uint8Array", &key, &key_len)) return NULL;
  if (!get_bytes(env, argv[2], "IGE iv must be a Buffer or Uint8Array", &iv, &iv_len)) return NULL;
  if (data_len % 16 != 0) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "IGE input must be a multiple of 16 bytes");
    return NULL;
  }
  if (key_len != 32) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "IGE key must be 32 bytes");
    return NULL;
  }
  if (iv_len != 32) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "IGE iv must be 32 bytes");
    return NULL;
  }
  if (data_ptr != &can_run) {
    napi_throw_error(env, NULL, "streambot-ige is unavailable here (see its `reason`)");
    return NULL;
  }
  napi_value result;
  if (in_place) {
    // The kernel loads each block before it stores its output, so out == in is safe (decryption only).
    if (data_len > 0) fn((uint8_t *)data, data, data_len, key, iv);
    CHECK(napi_get_undefined(env, &result));
    return result;
  }
  void *out = NULL;
  CHECK(napi_create_buffer(env, data_len, &out, &result));
  // A new Buffer never shares memory with the inputs, and nothing runs JS between here and the end of fn.
  if (data_len > 0) fn((uint8_t *)out, data, data_len, key, iv);
  return result;
}

#ifdef STREAMBOT_IGE_AESNI
#define DECRYPT_FN ige256_aesni_decrypt
#define ENCRYPT_FN ige256_aesni_encrypt
#else
#define DECRYPT_FN NULL
#define ENCRYPT_FN NULL
#endif
static napi_value decrypt(napi_env env, napi_callback_info info) {
  return run(env, info, DECRYPT_FN, false);
}
/* decryptInPlace(data, key, iv): data's bytes become the plaintext; no allocation (a 1 MiB answer is 1 MiB less
 * for the garbage collector to account for). */
static napi_value decrypt_in_place(napi_env env, napi_callback_info info) {
  return run(env, info, DECRYPT_FN, true);
}
static napi_value encrypt(napi_env env, napi_callback_info info) {
  return run(env, info, ENCRYPT_FN, false);
}

/*
 * setMmapThreshold(bytes): glibc's mallopt(M_MMAP_THRESHOLD). Streaming allocates and frees MiB-sized buffers on
 * several threads; glibc's default raises its mmap threshold after such frees and then serves them from per-thread
 * arenas that keep the memory, so RSS grows by tens of MiB per busy thread. A fixed threshold keeps them mmapped and
 * gives them back on free. True when set; false where there is no glibc.
 */
static napi_value set_mmap_threshold(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  int64_t bytes = 0;
  bool ok = false;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_int64(env, argv[0], &bytes) != napi_ok || bytes < 0 || bytes > 32 * 1024 * 1024) {
    napi_throw_range_error(env, NULL, "setMmapThreshold needs a byte count between 0 and 32 MiB");
    return NULL;
  }
#ifdef __GLIBC__
  ok = mallopt(M_MMAP_THRESHOLD, (int)bytes) == 1;
#endif
  CHECK(napi_get_boolean(env, ok, &result));
  return result;
}

NAPI_MODULE_INIT() {
  const char *reason = unavailable_reason();
  void *data_ptr = reason ? NULL : (void *)&can_run;
  napi_value available, why, fdecrypt, fencrypt;
  CHECK(napi_get_boolean(env, reason == NULL, &available));
  if (reason) {
    CHECK(napi_create_string_utf8(env, reason, NAPI_AUTO_LENGTH, &why));
  } else {
    CHECK(napi_get_undefined(env, &why));
  }
  CHECK(napi_create_function(env, "decrypt", NAPI_AUTO_LENGTH, decrypt, data_ptr, &fdecrypt));
  CHECK(napi_create_function(env, "encrypt", NAPI_AUTO_LENGTH, encrypt, data_ptr, &fencrypt));
  CHECK(napi_set_named_property(env, exports, "available", available));
  CHECK(napi_set_named_property(env, exports, "reason", why));
  CHECK(napi_set_named_property(env, exports, "decrypt", fdecrypt));
  napi_value finplace;
  CHECK(napi_create_function(env, "decryptInPlace", NAPI_AUTO_LENGTH, decrypt_in_place, data_ptr, &finplace));
  CHECK(napi_set_named_property(env, exports, "decryptInPlace", finplace));
  CHECK(napi_set_named_property(env, exports, "encrypt", fencrypt));
  napi_value fmmap;
  CHECK(napi_create_function(env, "setMmapThreshold", NAPI_AUTO_LENGTH, set_mmap_threshold, NULL, &fmmap));
  CHECK(napi_set_named_property(env, exports, "setMmapThreshold", fmmap));
  return exports;
}
