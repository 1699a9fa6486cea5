// AES-256-IGE (MTProto's mode) with AES-NI. Every IGE block depends on the one before in both directions, so the
// speed limit is the latency of 14 AES rounds per 16 bytes; everything else is kept off that chain: the first round
// key is added to the input block, and the previous block that IGE XORs into the output is folded into the last
// round key, both before the previous block's result is known.
#include "ige_aesni.h"

#include <wmmintrin.h>
#include <smmintrin.h>

#define ROUNDS 14

// Makes `v` a value of its own, so the compiler cannot reassociate the XORs around it and put a second one on the
// chain between blocks.
#if defined(__GNUC__)
#define MATERIALIZE(v) __asm__("" : "+x"(v))
#else
#define MATERIALIZE(v) ((void)0)
#endif

// Round keys are key material: they do not stay behind on the stack. (Volatile stores keep the compiler from
// dropping a clear of memory that is about to go out of scope.)
static void wipe(void *p, size_t n) {
  volatile uint8_t *b = (volatile uint8_t *)p;
  while (n--) *b++ = 0;
}

// One step of the AES-256 key schedule: `prev` is round key i-2, `assist` the keygenassist of round key i-1 with
// the word this step needs broadcast.
static inline __m128i schedule_step(__m128i prev, __m128i assist) {
  prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 4));
  prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 4));
  prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 4));
  return _mm_xor_si128(prev, assist);
}

#define EVEN_KEY(i, rcon) \
  rk[i] = schedule_step(rk[(i) - 2], _mm_shuffle_epi32(_mm_aeskeygenassist_si128(rk[(i) - 1], rcon), 0xff))
#define ODD_KEY(i) \
  rk[i] = schedule_step(rk[(i) - 2], _mm_shuffle_epi32(_mm_aeskeygenassist_si128(rk[(i) - 1], 0x00), 0xaa))

static void expand_encrypt_key(__m128i rk[ROUNDS + 1], const uint8_t key[32]) {
  rk[0] = _mm_loadu_si128((const __m128i *)key);
  rk[1] = _mm_loadu_si128((const __m128i *)(key + 16));
  EVEN_KEY(2, 0x01);
  ODD_KEY(3);
  EVEN_KEY(4, 0x02);
  ODD_KEY(5);
  EVEN_KEY(6, 0x04);
  ODD_KEY(7);
  EVEN_KEY(8, 0x08);
  ODD_KEY(9);
  EVEN_KEY(10, 0x10);
  ODD_KEY(11);
  EVEN_KEY(12, 0x20);
  ODD_KEY(13);
  EVEN_KEY(14, 0x40);
}

// The equivalent inverse cipher's schedule: the encryption keys reversed, the inner ones through InvMixColumns.
static void expand_decrypt_key(__m128i dk[ROUNDS + 1], const uint8_t key[32]) {
  __m128i rk[ROUNDS + 1];
  expand_encrypt_key(rk, key);
  dk[0] = rk[ROUNDS];
  for (int i = 1; i < ROUNDS; i++) dk[i] = _mm_aesimc_si128(rk[ROUNDS - i]);
  dk[ROUNDS] = rk[0];
  wipe(rk, sizeof rk);
}

// p_i = D(c_i ^ p_{i-1}) ^ c_{i-1}, with c_0 = iv[0..16] and p_0 = iv[16..32].
void ige256_aesni_decrypt(uint8_t *out, const uint8_t *in, size_t len, const uint8_t key[32], const uint8_t iv[32]) {
  __m128i dk[ROUNDS + 1];
  expand_decrypt_key(dk, key);
  __m128i c_prev = _mm_loadu_si128((const __m128i *)iv);
  __m128i p_prev = _mm_loadu_si128((const __m128i *)(iv + 16));
  for (size_t off = 0; off < len; off += 16) {
    const __m128i c = _mm_loadu_si128((const __m128i *)(in + off));
    const __m128i last = _mm_xor_si128(dk[ROUNDS], c_prev);
    __m128i x = _mm_xor_si128(c, dk[0]);
    MATERIALIZE(x);
    x = _mm_xor_si128(x, p_prev);
    x = _mm_aesdec_si128(x, dk[1]);
    x = _mm_aesdec_si128(x, dk[2]);
    x = _mm_aesdec_si128(x, dk[3]);
    x = _mm_aesdec_si128(x, dk[4]);
    x = _mm_aesdec_si128(x, dk[5]);
    x = _mm_aesdec_si128(x, dk[6]);
    x = _mm_aesdec_si128(x, dk[7]);
    x = _mm_aesdec_si128(x, dk[8]);
    x = _mm_aesdec_si128(x, dk[9]);
    x = _mm_aesdec_si128(x, dk[10]);
    x = _mm_aesdec_si128(x, dk[11]);
    x = _mm_aesdec_si128(x, dk[12]);
    x = _mm_aesdec_si128(x, dk[13]);
    x = _mm_aesdeclast_si128(x, last);
    _mm_storeu_si128((__m128i *)(out + off), x);
    p_prev = x;
    c_prev = c;
  }
  wipe(dk, sizeof dk);
}

// c_i = E(p_i ^ c_{i-1}) ^ p_{i-1}, with c_0 = iv[0..16] and p_0 = iv[16..32].
void ige256_aesni_encrypt(uint8_t *out, const uint8_t *in, size_t len, const uint8_t key[32], const uint8_t iv[32]) {
  __m128i rk[ROUNDS + 1];
  expand_encrypt_key(rk, key);
  __m128i c_prev = _mm_loadu_si128((const __m128i *)iv);
  __m128i p_prev = _mm_loadu_si128((const __m128i *)(iv + 16));
  for (size_t off = 0; off < len; off += 16) {
    const __m128i p = _mm_loadu_si128((const __m128i *)(in + off));
    const __m128i last = _mm_xor_si128(rk[ROUNDS], p_prev);
    __m128i x = _mm_xor_si128(p, rk[0]);
    MATERIALIZE(x);
    x = _mm_xor_si128(x, c_prev);
    x = _mm_aesenc_si128(x, rk[1]);
    x = _mm_aesenc_si128(x, rk[2]);
    x = _mm_aesenc_si128(x, rk[3]);
    x = _mm_aesenc_si128(x, rk[4]);
    x = _mm_aesenc_si128(x, rk[5]);
    x = _mm_aesenc_si128(x, rk[6]);
    x = _mm_aesenc_si128(x, rk[7]);
    x = _mm_aesenc_si128(x, rk[8]);
    x = _mm_aesenc_si128(x, rk[9]);
    x = _mm_aesenc_si128(x, rk[10]);
    x = _mm_aesenc_si128(x, rk[11]);
    x = _mm_aesenc_si128(x, rk[12]);
    x = _mm_aesenc_si128(x, rk[13]);
    x = _mm_aesenclast_si128(x, last);
    _mm_storeu_si128((__m128i *)(out + off), x);
    c_prev = x;
    p_prev = p;
  }
  wipe(rk, sizeof rk);
}
