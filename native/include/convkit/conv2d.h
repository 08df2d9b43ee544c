// Convolution forward and backward of the convkit core. No Node here.
#pragma once
#include <cstdint>
#include <string>

namespace convkit {

enum class layout : int32_t { nchw = 0, nhwc = 1 };
// The fused epilogue's activation, applied after the bias and the residual:
//   relu max(0, v); relu6 min(max(0, v), 6); sigmoid 1 / (1 + e^-v); silu v * sigmoid(v);
//   hard_swish v * relu6(v + 3) / 6. NaN stays NaN.
enum class activation : int32_t { none = 0, relu = 1, relu6 = 2, sigmoid = 3, silu = 4, hard_swish = 5 };

// Mirrors Conv2dInfo in lib/shape/conv2d-info.ts field for field. Validated by the caller:
// every size >= 1, groups divides both channel counts, out_* follow the output-size formula.
struct conv2d_params {
  int64_t batch;
  int64_t in_channels, in_height, in_width;
  int64_t out_channels, out_height, out_width;
  int64_t kernel_h, kernel_w;
  int64_t stride_h, stride_w;
  int64_t pad_top, pad_bottom, pad_left, pad_right;
  int64_t dilation_h, dilation_w;
  int64_t groups;
  layout data_layout;
  bool has_bias;
  activation act;
  // Forward only: 0 (or out_channels) when y is the plain output; more when y is a channel
  // slice of a wider tensor (an ONNX Concat's output, written in place): y then holds output
  // channel c of pixel q of image n at NHWC y[(n*OH*OW + q)*y_channels + c], NCHW
  // y[(n*y_channels + c)*OH*OW + q], y pointing at the slice's first channel, and no element
  // of y outside the slice is written. The residual keeps the plain output's shape.
  int64_t y_channels = 0;
};

// floor((in + pad_before + pad_after - dilation*(k-1) - 1) / stride) + 1, or 0 when the
// dilated kernel is wider than the padded input. Operands up to 2^31 - 1: no overflow.
int64_t conv2d_out_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad_before,
                        int64_t pad_after, int64_t dilation);

// Every rule a conv2d_params must follow before any kernel may see it: sizes, kernel, stride,
// dilation and groups in [1, 2^31 - 1], paddings in [0, 2^31 - 1], groups dividing both channel
// counts, out_* by conv2d_out_size, and x, w and y under 2^53 elements. Empty when p is valid,
// else what is wrong, named by Conv2dInfo's fields (the caller adds the op's name). The N-API
// glue and the C++ tests both check with it.
std::string conv2d_params_check(const conv2d_params& p);
// Elements of x, w and y (valid p): y's span from its first element to its last, counting
// the other channels a slice steps over (y_channels); conv2d_out_size the plain output's (and
// the residual's) elements.
int64_t conv2d_x_size(const conv2d_params& p);
int64_t conv2d_w_size(const conv2d_params& p);
int64_t conv2d_y_size(const conv2d_params& p);
int64_t conv2d_out_elements(const conv2d_params& p);
// Whether y is a channel slice of a wider tensor (p.y_channels), and its pixel (NHWC) or
// image (NCHW, in channels) stride.
inline bool conv2d_y_is_slice(const conv2d_params& p) { return p.y_channels != 0 && p.y_channels != p.out_channels; }
inline int64_t conv2d_y_channels(const conv2d_params& p) { return p.y_channels != 0 ? p.y_channels : p.out_channels; }

// x  nchw [N, Cin, H, W]         | nhwc [N, H, W, Cin]
// w  nchw [Cout, Cin/g, KH, KW]  | nhwc [Cout, KH, KW, Cin/g]
// b  [Cout] or nullptr when !has_bias
// y  nchw [N, Cout, OH, OW]      | nhwc [N, OH, OW, Cout], fully overwritten
// r  y's shape, or nullptr: the residual, y = act(conv(x, w) + b + r) (ResNet's shortcut).
//    It may not overlap y (some paths write y before they read r).
// Every path applies bias, residual and activation in its epilogue, on each output tile
// while it is in cache (no second sweep over y).
void conv2d(const conv2d_params& p, const float* x, const float* w, const float* b, float* y,
            const float* r = nullptr);

// Weights prepacked once for many calls with the same p (its shapes, layout and groups; the
// batch too, which picks the path) under the active ISA: where conv2d takes the 1x1 GEMM,
// `packed` (conv2d_packed_size(p) floats, 0 elsewhere) holds the GEMM's panels of each group
// (gemm.h: B panels in NHWC, sgemm_pack_b; A panels in NCHW, sgemm_pack_a); where it takes
// Winograd, the transformed weights (conv2d-winograd.h). conv2d_packed is conv2d on them, bit
// for bit, without packing or transforming the weights per call; it takes w as well (the
// same values they were packed from), which the other paths and the small products read.
int64_t conv2d_packed_size(const conv2d_params& p);
void conv2d_prepack(const conv2d_params& p, const float* w, float* packed);
void conv2d_packed(const conv2d_params& p, const float* x, const float* w, const float* packed,
                   const float* b, float* y, const float* r = nullptr);

// conv2d with x and w rounded to bfloat16 (convkit/sbgemm.h's rounding), products summed in
// fp32, the epilogue in fp32: on the bf16 GEMM where the CPU has it (groups == 1), else the
// fp32 conv2d of the rounded operands. Same shapes and epilogue as conv2d.
void conv2d_bf16(const conv2d_params& p, const float* x, const float* w, const float* b, float* y,
                 const float* r = nullptr);
// Its weights prepacked once (as conv2d_prepack): where conv2d_bf16 takes the bf16 GEMM with w
// as the B operand (NHWC 1x1), `packed` (conv2d_bf16_packed_size(p) floats, 0 elsewhere) holds
// w's bf16 pair panels; conv2d_bf16_packed is conv2d_bf16 on them (bit for bit), taking w too.
int64_t conv2d_bf16_packed_size(const conv2d_params& p);
void conv2d_bf16_prepack(const conv2d_params& p, const float* w, float* packed);
void conv2d_bf16_packed(const conv2d_params& p, const float* x, const float* w, const float* packed, const float* b,
                        float* y, const float* r = nullptr);

// conv2d on int8 operands, quantized dynamically as the int8 GEMM does (convkit/qgemm.h): x with
// one scale for the whole tensor (A), each output channel's filter with its own (B's columns,
// taps in (kh, kw, ci) order), products summed exactly in int32; the output
// d = fl(fl(q) * fl(sx * sw_o)), then conv2d's fp32 epilogue (bias, residual, activation).
// Any geometry and groups. Returns false (y untouched) when a filter has more than
// kQgemmMaxK taps (KH * KW * Cin / groups): the int32 sums' limit.
bool conv2d_int8(const conv2d_params& p, const float* x, const float* w, const float* b, float* y,
                 const float* r = nullptr);
// Its filters quantized once (as conv2d_prepack): conv2d_int8_packed_size(p) floats (0 when a
// filter has too many taps), filled by conv2d_int8_prepack from w; conv2d_int8_packed is
// conv2d_int8 on them, bit for bit (it does not read w). They depend on the channels, kernel,
// groups and layout of p, not on the batch or the spatial size.
int64_t conv2d_int8_packed_size(const conv2d_params& p);
void conv2d_int8_prepack(const conv2d_params& p, const float* w, float* packed);
bool conv2d_int8_packed(const conv2d_params& p, const float* x, const float* packed, const float* b, float* y,
                        const float* r = nullptr);

// Plain loops: the oracle every fast path is tested against (the activation in double,
// libm's exp, rounded once).
void conv2d_ref(const conv2d_params& p, const float* x, const float* w, const float* b, float* y,
                const float* r = nullptr);

// Gradients of conv2d (has_bias and act are ignored, and there is no residual: dy is the
// gradient at the output of the convolution itself, before any bias, residual or
// activation). Shapes as for conv2d:
// dy nchw [N, Cout, OH, OW] | nhwc [N, OH, OW, Cout]
// dx [x's shape], fully overwritten: the transposed convolution of dy with w.
void conv2d_backward_data(const conv2d_params& p, const float* dy, const float* w, float* dx);
// dw [w's shape], fully overwritten: sum over n, oh, ow of dy * x at the tap.
// db [Cout] = sum of dy over n, oh, ow; skipped when db is nullptr.
void conv2d_backward_filter(const conv2d_params& p, const float* dy, const float* x, float* dw,
                            float* db);

// Plain loops, double accumulation: the oracles of the two above.
void conv2d_backward_data_ref(const conv2d_params& p, const float* dy, const float* w, float* dx);
void conv2d_backward_filter_ref(const conv2d_params& p, const float* dy, const float* x, float* dw,
                                float* db);

}  // namespace convkit
