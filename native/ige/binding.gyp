{
  "targets": [
    {
      "target_name": "streambot_ige",
      "sources": ["src/addon.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [
        ["target_arch=='x64'", {
          "dependencies": ["ige_aesni"],
          "defines": ["STREAMBOT_IGE_AESNI=1"]
        }]
      ]
    }
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          # Only the AES-NI kernel is compiled for AES-NI: the addon's own code must run on any x86-64 to report
          # the CPU's lack of it instead of crashing on an illegal instruction.
          "target_name": "ige_aesni",
          "type": "static_library",
          "sources": ["src/ige_aesni.c"],
          "cflags": ["-O3", "-fPIC", "-maes", "-msse4.1", "-Wall", "-Wextra"],
          "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-maes", "-msse4.1"] }
        }
      ]
    }]
  ]
}
