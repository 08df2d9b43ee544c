# node-gyp build of the addon (what `npm install` runs). The source lists come from
# native/sources.json, which CMakeLists.txt reads too. gyp attaches flags per target, so
# each ISA variant is its own static library with its own flags; nothing uses -march=native.
# NEON needs no flags on arm64. Threads: convkit's own pool (std::thread), no OpenMP.
{
  "target_defaults": {
    "include_dirs": [
      "native/include",
      "native/src",
      "<!(node -p \"require('node-addon-api').include_dir\")"
    ],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++14", "-std=gnu++17"],
    "cflags": ["-O3", "-fPIC"],
    "cflags_cc": ["-std=c++17", "-fexceptions"],
    "xcode_settings": {
      "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
      "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
      "GCC_OPTIMIZATION_LEVEL": "3",
      "MACOSX_DEPLOYMENT_TARGET": "11.0"
    },
    "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17"] } },
    "conditions": [
      # The prebuilt binary's glibc floor (native/napi/glibc-floor.h).
      ["OS=='linux'", { "cflags_cc": ["-include", "<(module_root_dir)/native/napi/glibc-floor.h"] }]
    ]
  },
  "targets": [
    {
      "target_name": "convkit",
      "sources": [
        "<!@(node -p \"require('./native/sources.json').core.join(' ')\")",
        "<!@(node -p \"require('./native/sources.json').napi.join(' ')\")"
      ],
      "conditions": [
        ["target_arch=='x64'", { "dependencies": ["convkit_avx512", "convkit_avx512bf16", "convkit_avx512vnni", "convkit_avx2"] }],
        ["target_arch=='arm64'", {
          "sources": ["<!@(node -p \"require('./native/sources.json').neon.join(' ')\")"]
        }]
      ]
    }
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "convkit_avx512",
          "type": "static_library",
          "sources": ["<!@(node -p \"require('./native/sources.json').avx512.join(' ')\")"],
          "cflags": ["<!@(node -p \"require('./native/sources.json').flags.avx512.join(' ')\")"],
          "xcode_settings": { "OTHER_CFLAGS": ["<!@(node -p \"require('./native/sources.json').flags.avx512.join(' ')\")"] }
        },
        {
          "target_name": "convkit_avx512bf16",
          "type": "static_library",
          "sources": ["<!@(node -p \"require('./native/sources.json').avx512bf16.join(' ')\")"],
          "cflags": ["<!@(node -p \"require('./native/sources.json').flags.avx512bf16.join(' ')\")"],
          "xcode_settings": { "OTHER_CFLAGS": ["<!@(node -p \"require('./native/sources.json').flags.avx512bf16.join(' ')\")"] }
        },
        {
          "target_name": "convkit_avx512vnni",
          "type": "static_library",
          "sources": ["<!@(node -p \"require('./native/sources.json').avx512vnni.join(' ')\")"],
          "cflags": ["<!@(node -p \"require('./native/sources.json').flags.avx512vnni.join(' ')\")"],
          "xcode_settings": { "OTHER_CFLAGS": ["<!@(node -p \"require('./native/sources.json').flags.avx512vnni.join(' ')\")"] }
        },
        {
          "target_name": "convkit_avx2",
          "type": "static_library",
          "sources": ["<!@(node -p \"require('./native/sources.json').avx2.join(' ')\")"],
          "cflags": ["<!@(node -p \"require('./native/sources.json').flags.avx2.join(' ')\")"],
          "xcode_settings": { "OTHER_CFLAGS": ["<!@(node -p \"require('./native/sources.json').flags.avx2.join(' ')\")"] }
        }
      ]
    }]
  ]
}
