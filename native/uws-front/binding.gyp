{
  "targets": [
    {
      "target_name": "uws_front",
      "sources": ["src/uws_front.cc"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [
        ["OS=='linux'", { "libraries": ["-ldl"] }]
      ]
    }
  ]
}
