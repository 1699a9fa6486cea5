// AES-256-IGE with AES-NI. Callers check the CPU first (addon.c): these functions execute AES-NI and SSE4.1
// instructions unconditionally.
#ifndef STREAMBOT_IGE_AESNI_H
#define STREAMBOT_IGE_AESNI_H

#include <stddef.h>
#include <stdint.h>

// `len` is a multiple of 16; `key` is 32 bytes; `iv` is 32 bytes, MTProto's layout: iv[0..16] stands for the
// ciphertext block before the first, iv[16..32] for the plaintext block before the first. `out` may not overlap `in`.
void ige256_aesni_decrypt(uint8_t *out, const uint8_t *in, size_t len, const uint8_t key[32], const uint8_t iv[32]);
void ige256_aesni_encrypt(uint8_t *out, const uint8_t *in, size_t len, const uint8_t key[32], const uint8_t iv[32]);

#endif
