// otfuse CUDA backend: the dense steps of OT fusion (Singh and Jaggi 2020) on an NVIDIA GPU,
// called from Java through JNI (org.otfuse.core.backend.CudaNative).
//
//  * ground cost C_ij = d(x_i, y_j): row norms, one cuBLAS SGEMM (-2 Y X^T, float32, no TF32),
//    one fused epilogue (add norms, clamp at 0, sqrt / cosine);
//  * Sinkhorn (Cuturi 2013) on the row-shifted cost C'_ij = C_ij - min_j C_ij, in the log domain
//    (stabilised log-sum-exp over rows and columns, one pass over C each, float32 or float64
//    arithmetic) or in the kernel form (K' = exp(-C'/reg) stored once as float32, then two
//    matrix-vector products per iteration, ours or cuBLAS SGEMV); the row error of the plan is
//    measured inside the row update and read every checkEvery iterations; the final plan is
//    measured with float64 sums before it is accepted (see TransportBackend's javadoc);
//  * T^T W with cuBLAS DGEMM.
//
// cuBLAS is opened with dlopen (OTFUSE_CUBLAS_LIB, else libcublas.so.13/.12/libcublas.so) so
// that this file compiles with nvcc alone and the library loads where cuBLAS is missing. The CUDA
// runtime is linked statically (nvcc's default); only the driver (libcuda.so.1) is needed.
// Every CUDA and cuBLAS status is checked; failures become org.otfuse.core.backend.CudaException
// with the CUDA error string, invalid data found on the device IllegalArgumentException.

#include <jni.h>
#include <cuda_runtime.h>
#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "org_otfuse_core_backend_CudaNative.h"

namespace {

constexpr int ABI_VERSION = 1;  // CudaNative.ABI_VERSION
constexpr int ROW_THREADS = 256;
constexpr int COL_TX = 32;
constexpr int COL_TY = 8;
constexpr int COL_COLS = 128;  // columns per column block: 32 threads x 4

// ------------------------------------------------------------------------------------------
// errors

struct Failure {
  enum Kind { CUDA, ILLEGAL_ARGUMENT, ILLEGAL_STATE } kind;
  std::string msg;
};

[[noreturn]] void failCuda(const char* call, cudaError_t e, int line) {
  std::ostringstream o;
  o << call << " failed: " << cudaGetErrorString(e) << " (" << cudaGetErrorName(e) << ", code "
    << static_cast<int>(e) << ") at otfuse_cuda.cu:" << line;
  throw Failure{Failure::CUDA, o.str()};
}

#define CK(call)                                              \
  do {                                                        \
    cudaError_t e_ = (call);                                  \
    if (e_ != cudaSuccess) failCuda(#call, e_, __LINE__);     \
  } while (0)

#define CK_LAUNCH(name)                                                  \
  do {                                                                   \
    cudaError_t e_ = cudaGetLastError();                                 \
    if (e_ != cudaSuccess) failCuda("launch of " name, e_, __LINE__);    \
  } while (0)

void throwJava(JNIEnv* env, const Failure& f) {
  const char* cls = f.kind == Failure::ILLEGAL_ARGUMENT ? "java/lang/IllegalArgumentException"
                    : f.kind == Failure::ILLEGAL_STATE  ? "java/lang/IllegalStateException"
                                                        : "org/otfuse/core/backend/CudaException";
  jclass c = env->FindClass(cls);
  if (c != nullptr) env->ThrowNew(c, f.msg.c_str());
}

#define JNI_TRY try {
#define JNI_CATCH(ret)                                                                   \
  }                                                                                      \
  catch (const Failure& f_) {                                                            \
    throwJava(env, f_);                                                                  \
    return ret;                                                                          \
  }                                                                                      \
  catch (const std::bad_alloc&) {                                                        \
    throwJava(env, Failure{Failure::CUDA, "host memory exhausted in otfuse_cuda"});      \
    return ret;                                                                          \
  }                                                                                      \
  catch (const std::exception& e_) {                                                     \
    throwJava(env, Failure{Failure::CUDA, std::string("otfuse_cuda: ") + e_.what()});    \
    return ret;                                                                          \
  }

// ------------------------------------------------------------------------------------------
// cuBLAS through dlopen: the few v2 entry points used, declared by hand (stable C ABI)

typedef struct cublasContext* cublasHandle_t;
typedef int cublasStatus_t;  // enum cublasStatus_t, 0 = CUBLAS_STATUS_SUCCESS
constexpr int OP_N = 0;      // CUBLAS_OP_N
constexpr int OP_T = 1;      // CUBLAS_OP_T

struct Blas {
  bool tried = false;
  void* lib = nullptr;
  std::string path;
  std::string error;
  cublasStatus_t (*create)(cublasHandle_t*) = nullptr;
  cublasStatus_t (*destroy)(cublasHandle_t) = nullptr;
  cublasStatus_t (*setStream)(cublasHandle_t, cudaStream_t) = nullptr;
  cublasStatus_t (*getVersion)(cublasHandle_t, int*) = nullptr;
  cublasStatus_t (*sgemm)(cublasHandle_t, int, int, int, int, int, const float*, const float*,
                          int, const float*, int, const float*, float*, int) = nullptr;
  cublasStatus_t (*dgemm)(cublasHandle_t, int, int, int, int, int, const double*,
                          const double*, int, const double*, int, const double*, double*,
                          int) = nullptr;
  cublasStatus_t (*sgemv)(cublasHandle_t, int, int, int, const float*, const float*, int,
                          const float*, int, const float*, float*, int) = nullptr;
  const char* (*statusString)(cublasStatus_t) = nullptr;
};

Blas g_blas;
std::mutex g_blas_mutex;

template <class F>
bool bind(void* lib, F& fn, const char* name, const char* alt, std::string& missing) {
  void* s = dlsym(lib, name);
  if (s == nullptr && alt != nullptr) s = dlsym(lib, alt);
  if (s == nullptr) {
    missing += std::string(missing.empty() ? "" : ", ") + name;
    return false;
  }
  fn = reinterpret_cast<F>(s);
  return true;
}

const Blas& openBlas() {
  std::lock_guard<std::mutex> lock(g_blas_mutex);
  if (g_blas.tried) return g_blas;
  g_blas.tried = true;
  std::vector<std::string> candidates;
  const char* env = std::getenv("OTFUSE_CUBLAS_LIB");
  if (env != nullptr && *env != 0) candidates.push_back(env);
  candidates.push_back("libcublas.so.13");
  candidates.push_back("libcublas.so.12");
  candidates.push_back("libcublas.so");
  std::string tried;
  for (const std::string& c : candidates) {
    void* h = dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (h != nullptr) {
      g_blas.lib = h;
      g_blas.path = c;
      break;
    }
    const char* why = dlerror();
    tried += (tried.empty() ? "" : "; ") + c + ": " + (why ? why : "not found");
  }
  if (g_blas.lib == nullptr) {
    g_blas.error = "cuBLAS could not be opened (" + tried +
                   "); put the directory of libcublas.so.13 on LD_LIBRARY_PATH or set "
                   "OTFUSE_CUBLAS_LIB to its path";
    return g_blas;
  }
  std::string missing;
  bind(g_blas.lib, g_blas.create, "cublasCreate_v2", nullptr, missing);
  bind(g_blas.lib, g_blas.destroy, "cublasDestroy_v2", nullptr, missing);
  bind(g_blas.lib, g_blas.setStream, "cublasSetStream_v2", nullptr, missing);
  bind(g_blas.lib, g_blas.getVersion, "cublasGetVersion_v2", nullptr, missing);
  bind(g_blas.lib, g_blas.sgemm, "cublasSgemm_v2", "cublasSgemm", missing);
  bind(g_blas.lib, g_blas.dgemm, "cublasDgemm_v2", "cublasDgemm", missing);
  bind(g_blas.lib, g_blas.sgemv, "cublasSgemv_v2", "cublasSgemv", missing);
  std::string ignored;
  bind(g_blas.lib, g_blas.statusString, "cublasGetStatusString", nullptr, ignored);
  if (!missing.empty()) {
    g_blas.error = "cuBLAS at " + g_blas.path + " lacks " + missing;
    return g_blas;
  }
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(g_blas.sgemm), &info) != 0 && info.dli_fname != nullptr) {
    g_blas.path = info.dli_fname;
  }
  return g_blas;
}

void ckBlas(cublasStatus_t s, const char* call, int line) {
  if (s == 0) return;
  std::ostringstream o;
  o << call << " failed: cuBLAS status " << s;
  if (g_blas.statusString != nullptr) o << " (" << g_blas.statusString(s) << ")";
  o << " at otfuse_cuda.cu:" << line;
  throw Failure{Failure::CUDA, o.str()};
}
#define CKB(call) ckBlas((call), #call, __LINE__)

// ------------------------------------------------------------------------------------------
// the context: device, stream, cuBLAS handle, events, grow-only device buffers

struct DevScalars {
  unsigned long long errD;      // max row error, bits of a non-negative double
  unsigned int errF;            // max row error, bits of a non-negative float
  int bad;                      // a potential became NaN or infinite
  unsigned long long firstBad;  // smallest index of an invalid entry (~0ULL: none)
  unsigned long long firstZero; // smallest row with norm 0 (~0ULL: none)
  double sum;                   // a float64 sum
  unsigned long long maxBits;   // max of non-negative doubles, as bits
};

enum Slot {
  S_X, S_Y, S_NX, S_NY, S_COST, S_KER, S_RMIN, S_A, S_B, S_LOGA, S_LOGB, S_P, S_Q,
  S_PMAX, S_PSUM, S_PSUMD, S_ROWSUM, S_ROWCOST, S_COLSUM, S_PLAN, S_TMPN, S_TMPM, S_W, S_OUT,
  NSLOTS
};

struct Buffer {
  void* p = nullptr;
  size_t cap = 0;
};

struct Ctx {
  int device = 0;
  int sms = 1;
  cudaStream_t stream = nullptr;
  cublasHandle_t blas = nullptr;
  cudaEvent_t e0 = nullptr;
  cudaEvent_t e1 = nullptr;
  DevScalars* dsc = nullptr;  // device
  DevScalars* hsc = nullptr;  // pinned host mirror
  Buffer buf[NSLOTS];
  int costN = 0;
  int costM = 0;

  template <class T>
  T* get(Slot s, size_t count) {
    size_t bytes = std::max<size_t>(count, 1) * sizeof(T);
    Buffer& b = buf[s];
    if (b.cap < bytes) {
      if (b.p != nullptr) CK(cudaFree(b.p));
      b.p = nullptr;
      b.cap = 0;
      CK(cudaMalloc(&b.p, bytes));
      b.cap = bytes;
    }
    return static_cast<T*>(b.p);
  }

  template <class T>
  T* at(Slot s) {
    return static_cast<T*>(buf[s].p);
  }

  void use() { CK(cudaSetDevice(device)); }

  void sync() { CK(cudaStreamSynchronize(stream)); }

  void readScalars() {
    CK(cudaMemcpyAsync(hsc, dsc, sizeof(DevScalars), cudaMemcpyDeviceToHost, stream));
    sync();
  }
};

void destroyCtx(Ctx* c) {
  if (c == nullptr) return;
  cudaSetDevice(c->device);
  if (c->stream != nullptr) cudaStreamSynchronize(c->stream);
  for (Buffer& b : c->buf) {
    if (b.p != nullptr) cudaFree(b.p);
  }
  if (c->dsc != nullptr) cudaFree(c->dsc);
  if (c->hsc != nullptr) cudaFreeHost(c->hsc);
  if (c->e0 != nullptr) cudaEventDestroy(c->e0);
  if (c->e1 != nullptr) cudaEventDestroy(c->e1);
  if (c->blas != nullptr && g_blas.destroy != nullptr) g_blas.destroy(c->blas);
  if (c->stream != nullptr) cudaStreamDestroy(c->stream);
  delete c;
}

Ctx& ctxOf(jlong h) {
  if (h == 0) throw Failure{Failure::ILLEGAL_STATE, "the CUDA backend is closed"};
  Ctx& c = *reinterpret_cast<Ctx*>(h);
  c.use();
  return c;
}

// a Java primitive array pinned for the duration of a copy (no JNI calls while held)
struct Critical {
  JNIEnv* env;
  jarray arr;
  void* p = nullptr;
  jint mode;
  Critical(JNIEnv* e, jarray a, bool output) : env(e), arr(a), mode(output ? 0 : JNI_ABORT) {
    p = env->GetPrimitiveArrayCritical(arr, nullptr);
    if (p == nullptr) throw Failure{Failure::CUDA, "GetPrimitiveArrayCritical failed"};
  }
  ~Critical() {
    if (p != nullptr) env->ReleasePrimitiveArrayCritical(arr, p, mode);
  }
  Critical(const Critical&) = delete;
  Critical& operator=(const Critical&) = delete;
};

void upload(JNIEnv* env, Ctx& c, void* dst, jarray src, size_t bytes) {
  Critical cr(env, src, false);
  CK(cudaMemcpyAsync(dst, cr.p, bytes, cudaMemcpyHostToDevice, c.stream));
  c.sync();
}

void download(JNIEnv* env, Ctx& c, jarray dst, const void* src, size_t bytes) {
  Critical cr(env, dst, true);
  CK(cudaMemcpyAsync(cr.p, src, bytes, cudaMemcpyDeviceToHost, c.stream));
  c.sync();
}

// ------------------------------------------------------------------------------------------
// device helpers

template <class T>
__device__ __forceinline__ T ninf();
template <>
__device__ __forceinline__ float ninf<float>() {
  return __int_as_float(0xff800000);
}
template <>
__device__ __forceinline__ double ninf<double>() {
  return __longlong_as_double(0xfff0000000000000ULL);
}

__device__ __forceinline__ float dexp(float x) { return expf(x); }
__device__ __forceinline__ double dexp(double x) { return exp(x); }
__device__ __forceinline__ float dlog(float x) { return logf(x); }
__device__ __forceinline__ double dlog(double x) { return log(x); }
__device__ __forceinline__ float tmax(float a, float b) { return fmaxf(a, b); }
__device__ __forceinline__ double tmax(double a, double b) { return fmax(a, b); }

__device__ __forceinline__ void maxErr(DevScalars* s, float e) {
  atomicMax(&s->errF, __float_as_uint(fabsf(e)));  // fabs: a NaN becomes a positive NaN,
}                                                    // whose bits exceed +inf's
__device__ __forceinline__ void maxErr(DevScalars* s, double e) {
  atomicMax(&s->errD, static_cast<unsigned long long>(__double_as_longlong(fabs(e))));
}

template <class T>
__device__ __forceinline__ void load4(const T* p, T (&v)[4]);
template <>
__device__ __forceinline__ void load4<float>(const float* p, float (&v)[4]) {
  const float4 x = *reinterpret_cast<const float4*>(p);
  v[0] = x.x; v[1] = x.y; v[2] = x.z; v[3] = x.w;
}
template <>
__device__ __forceinline__ void load4<double>(const double* p, double (&v)[4]) {
  const double2 x = reinterpret_cast<const double2*>(p)[0];
  const double2 y = reinterpret_cast<const double2*>(p)[1];
  v[0] = x.x; v[1] = x.y; v[2] = y.x; v[3] = y.y;
}

// online log-sum-exp: (mx, s) represents mx + log(s)
template <class T>
__device__ __forceinline__ void lseAdd(T& mx, T& s, T v) {
  if (v > mx) {
    s = s * dexp(mx - v) + T(1);
    mx = v;
  } else {
    s += dexp(v - mx);  // a NaN v lands here and poisons s
  }
}

template <class T>
__device__ __forceinline__ void lseMerge(T& m1, T& s1, T m2, T s2) {
  if (m2 > m1) {
    s1 = s1 * dexp(m1 - m2) + s2;
    m1 = m2;
  } else if (m2 > ninf<T>()) {
    s1 += s2 * dexp(m2 - m1);
  }  // m2 = -inf: an empty part, nothing to add
}

template <class T>
__device__ __forceinline__ T warpSum(T v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

template <class T>
__device__ __forceinline__ void warpLse(T& mx, T& s) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    const T m2 = __shfl_xor_sync(0xffffffffu, mx, o);
    const T s2 = __shfl_xor_sync(0xffffffffu, s, o);
    lseMerge(mx, s, m2, s2);
  }
}

// block-wide sum over a 1-D block; the result is valid in thread 0; sh has >= 32 entries
template <class T>
__device__ T blockSum(T v, T* sh) {
  __syncthreads();  // sh may still be read by an earlier call
  v = warpSum(v);
  const int lane = threadIdx.x & 31;
  const int w = threadIdx.x >> 5;
  if (lane == 0) sh[w] = v;
  __syncthreads();
  const int nw = blockDim.x >> 5;
  v = threadIdx.x < nw ? sh[threadIdx.x] : T(0);
  if (w == 0) v = warpSum(v);
  return v;
}

template <class T>
__device__ void blockLse(T& mx, T& s, T* shm, T* shs) {
  __syncthreads();
  warpLse(mx, s);
  const int lane = threadIdx.x & 31;
  const int w = threadIdx.x >> 5;
  if (lane == 0) {
    shm[w] = mx;
    shs[w] = s;
  }
  __syncthreads();
  const int nw = blockDim.x >> 5;
  if (w == 0) {
    mx = lane < nw ? shm[lane] : ninf<T>();
    s = lane < nw ? shs[lane] : T(0);
    warpLse(mx, s);
  }
}

// ------------------------------------------------------------------------------------------
// ground cost kernels

// squared row norms (float64 sums), one warp per row; flags non-finite and zero rows
__global__ void rowNormsKernel(const float* __restrict__ x, int n, int d, float* __restrict__ out,
                               DevScalars* sc) {
  const int warp = (blockIdx.x * blockDim.x + threadIdx.x) >> 5;
  const int lane = threadIdx.x & 31;
  if (warp >= n) return;
  const float* r = x + static_cast<size_t>(warp) * d;
  double s = 0;
  for (int k = lane; k < d; k += 32) {
    const double v = r[k];
    s += v * v;
  }
  s = warpSum(s);
  if (lane == 0) {
    const float f = static_cast<float>(s);
    out[warp] = f;
    if (!isfinite(f)) atomicMin(&sc->firstBad, static_cast<unsigned long long>(warp));
    if (f == 0.0f) atomicMin(&sc->firstZero, static_cast<unsigned long long>(warp));
  }
}

// C holds -2 <x_i, y_j> (metric 0, 1) or <x_i, y_j> (metric 2); one block per row
template <int METRIC>
__global__ void __launch_bounds__(ROW_THREADS)
    costEpilogue(float* __restrict__ C, const float* __restrict__ nx,
                 const float* __restrict__ ny, int m) {
  const int i = blockIdx.x;
  float* row = C + static_cast<size_t>(i) * m;
  const float xi = nx[i];
  const float sxi = sqrtf(xi);
  for (int j = threadIdx.x; j < m; j += ROW_THREADS) {
    const float c = row[j];
    float v;
    if (METRIC == 2) {
      v = fmaxf(1.0f - c / (sxi * sqrtf(ny[j])), 0.0f);
    } else {
      v = fmaxf(xi + ny[j] + c, 0.0f);
      if (METRIC == 0) v = sqrtf(v);
    }
    row[j] = v;
  }
}

// float64 sum and max (entries >= 0) of a non-negative matrix
__global__ void sumMaxKernel(const float* __restrict__ C, size_t count, DevScalars* sc) {
  __shared__ double sh[32];
  double s = 0;
  double mx = 0;
  for (size_t k = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; k < count;
       k += static_cast<size_t>(gridDim.x) * blockDim.x) {
    const double v = C[k];
    s += v;
    if (v > mx) mx = v;  // not fmax: a -0.0 must not win over +0.0 (its bits are larger)
  }
  s = blockSum(s, sh);
  if (threadIdx.x == 0) atomicAdd(&sc->sum, s);
  // max: reuse the warp shuffle pattern
  for (int o = 16; o > 0; o >>= 1) {
    const double other = __shfl_xor_sync(0xffffffffu, mx, o);
    if (other > mx) mx = other;
  }
  if ((threadIdx.x & 31) == 0) {
    atomicMax(&sc->maxBits, static_cast<unsigned long long>(__double_as_longlong(mx)));
  }
}

__global__ void scaleKernel(float* __restrict__ C, size_t count, float f) {
  for (size_t k = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; k < count;
       k += static_cast<size_t>(gridDim.x) * blockDim.x) {
    C[k] *= f;
  }
}

// the smallest index of a non-finite entry
__global__ void finiteKernel(const float* __restrict__ C, size_t count, DevScalars* sc) {
  for (size_t k = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; k < count;
       k += static_cast<size_t>(gridDim.x) * blockDim.x) {
    if (!isfinite(C[k])) atomicMin(&sc->firstBad, static_cast<unsigned long long>(k));
  }
}

__device__ __forceinline__ unsigned long long mix64(unsigned long long z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// uniform in [-1, 1) from a hash of the index: reproducible, never all zeros
__global__ void fillUniform(float* __restrict__ x, size_t count, unsigned long long seed) {
  for (size_t k = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; k < count;
       k += static_cast<size_t>(gridDim.x) * blockDim.x) {
    const unsigned long long h = mix64(k ^ (seed * 0xd1b54a32d192ed03ULL));
    x[k] = static_cast<float>(h >> 40) * (2.0f / 16777216.0f) - 1.0f;
  }
}

// ------------------------------------------------------------------------------------------
// Sinkhorn kernels. P/Q: log form fs = f'/reg (n), gs = g/reg (m); kernel form u (n), v (m).

__global__ void __launch_bounds__(ROW_THREADS)
    rowMinKernel(const float* __restrict__ C, int m, float* __restrict__ rmin) {
  __shared__ float sh[32];
  const float* row = C + static_cast<size_t>(blockIdx.x) * m;
  float v = __int_as_float(0x7f800000);
  for (int j = threadIdx.x; j < m; j += ROW_THREADS) v = fminf(v, row[j]);
  for (int o = 16; o > 0; o >>= 1) v = fminf(v, __shfl_xor_sync(0xffffffffu, v, o));
  if ((threadIdx.x & 31) == 0) sh[threadIdx.x >> 5] = v;
  __syncthreads();
  if (threadIdx.x < 32) {
    v = threadIdx.x < ROW_THREADS / 32 ? sh[threadIdx.x] : __int_as_float(0x7f800000);
    for (int o = 16; o > 0; o >>= 1) v = fminf(v, __shfl_xor_sync(0xffffffffu, v, o));
    if (threadIdx.x == 0) rmin[blockIdx.x] = v;
  }
}

// K'_ij = exp(-(C_ij - r_i) / reg), rounded to float32
template <class T>
__global__ void __launch_bounds__(ROW_THREADS)
    makeKernel(const float* __restrict__ C, const float* __restrict__ rmin, int m, T ir,
               float* __restrict__ K) {
  const size_t off = static_cast<size_t>(blockIdx.x) * m;
  const T ri = static_cast<T>(rmin[blockIdx.x]);
  for (int j = threadIdx.x; j < m; j += ROW_THREADS) {
    K[off + j] = static_cast<float>(dexp(-(static_cast<T>(C[off + j]) - ri) * ir));
  }
}

template <class T>
__global__ void fillKernel(T* __restrict__ x, int count, T v) {
  const int k = blockIdx.x * blockDim.x + threadIdx.x;
  if (k < count) x[k] = v;
}

__global__ void resetScalars(DevScalars* sc, int what) {
  if (what & 1) {  // errors and the NaN flag
    sc->errD = 0;
    sc->errF = 0;
  }
  if (what & 2) sc->bad = 0;
  if (what & 4) {  // cost checks and statistics
    sc->firstBad = ~0ULL;
    sc->firstZero = ~0ULL;
    sc->sum = 0;
    sc->maxBits = 0;
  }
}

// log form, rows: lse_i = LSE_j(gs_j - C'_ij / reg); error |exp(fs_i + lse_i) - a_i|; then
// fs_i = log a_i - lse_i. One block per row.
template <class T>
__global__ void __launch_bounds__(ROW_THREADS)
    rowLogKernel(const float* __restrict__ C, const float* __restrict__ rmin,
                 const T* __restrict__ gs, T* __restrict__ fs, const T* __restrict__ logA,
                 const T* __restrict__ a, int n, int m, T ir, DevScalars* sc) {
  __shared__ T shm[32];
  __shared__ T shs[32];
  for (int i = blockIdx.x; i < n; i += gridDim.x) {  // grid-stride over rows
    const float* row = C + static_cast<size_t>(i) * m;
    const T ri = static_cast<T>(rmin[i]);
    T mx = ninf<T>();
    T s = 0;
    if ((m & 3) == 0) {
      const int m4 = m >> 2;
      const float4* row4 = reinterpret_cast<const float4*>(row);
#pragma unroll 4
      for (int t = threadIdx.x; t < m4; t += ROW_THREADS) {
        const float4 c = row4[t];
        T g[4];
        load4(gs + 4 * t, g);
        const T v0 = g[0] - (static_cast<T>(c.x) - ri) * ir;
        const T v1 = g[1] - (static_cast<T>(c.y) - ri) * ir;
        const T v2 = g[2] - (static_cast<T>(c.z) - ri) * ir;
        const T v3 = g[3] - (static_cast<T>(c.w) - ri) * ir;
        const T cm = tmax(tmax(v0, v1), tmax(v2, v3));
        if (cm > mx) {
          s *= dexp(mx - cm);
          mx = cm;
        }
        s += (dexp(v0 - mx) + dexp(v1 - mx)) + (dexp(v2 - mx) + dexp(v3 - mx));
      }
    } else {
      for (int j = threadIdx.x; j < m; j += ROW_THREADS) {
        lseAdd(mx, s, gs[j] - (static_cast<T>(row[j]) - ri) * ir);
      }
    }
    blockLse(mx, s, shm, shs);
    if (threadIdx.x == 0) {
      const T lse = mx + dlog(s);
      maxErr(sc, dexp(fs[i] + lse) - a[i]);
      const T fnew = logA[i] - lse;
      fs[i] = fnew;
      if (!isfinite(fnew)) sc->bad = 1;
    }
  }
}

// kernel form, rows: s_i = sum_j K'_ij v_j; error |u_i s_i - a_i|; then u_i = a_i / s_i
template <class T>
__global__ void __launch_bounds__(ROW_THREADS)
    rowKerKernel(const float* __restrict__ K, const T* __restrict__ v, T* __restrict__ u,
                 const T* __restrict__ a, int n, int m, DevScalars* sc) {
  __shared__ T sh[32];
  for (int i = blockIdx.x; i < n; i += gridDim.x) {  // grid-stride over rows
    const float* row = K + static_cast<size_t>(i) * m;
    T s = 0;
    if ((m & 3) == 0) {
      const int m4 = m >> 2;
      const float4* row4 = reinterpret_cast<const float4*>(row);
#pragma unroll 2  // 4 spills at the 32 registers ptxas picks
      for (int t = threadIdx.x; t < m4; t += ROW_THREADS) {
        const float4 k = row4[t];
        T q[4];
        load4(v + 4 * t, q);
        s += (static_cast<T>(k.x) * q[0] + static_cast<T>(k.y) * q[1]) +
             (static_cast<T>(k.z) * q[2] + static_cast<T>(k.w) * q[3]);
      }
    } else {
      for (int j = threadIdx.x; j < m; j += ROW_THREADS) s += static_cast<T>(row[j]) * v[j];
    }
    s = blockSum(s, sh);
    if (threadIdx.x == 0) {
      maxErr(sc, u[i] * s - a[i]);
      const T un = a[i] / s;
      u[i] = un;
      if (!isfinite(un)) sc->bad = 1;
    }
  }
}

// the cuBLAS variant's row finish: s = K' v already in sK (float32 only)
__global__ void rowKerFinish(const float* __restrict__ sK, float* __restrict__ u,
                             const float* __restrict__ a, int n, DevScalars* sc) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const float s = sK[i];
  maxErr(sc, u[i] * s - a[i]);
  const float un = a[i] / s;
  u[i] = un;
  if (!isfinite(un)) sc->bad = 1;
}

__global__ void colKerFinish(const float* __restrict__ sK, float* __restrict__ v,
                             const float* __restrict__ b, int m, DevScalars* sc) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= m) return;
  const float vn = b[j] / sK[j];
  v[j] = vn;
  if (!isfinite(vn)) sc->bad = 1;
}

// Column reductions over a split of the rows: block (32, 8) covers 128 columns of rows
// [y * rowsPerSplit, ...). With m % 4 == 0 each thread reads a float4 (columns 4 tx .. 4 tx + 3),
// else four scalars (columns tx + 32 q); either way a warp reads contiguous memory.
// LSE: partial (max, sum) of fs_i - C'_ij / reg; SUM: partial sums of K'_ij u_i.
template <class T, bool LSE>
__global__ void __launch_bounds__(COL_TX * COL_TY)
    colPartialKernel(const float* __restrict__ M, const float* __restrict__ rmin,
                     const T* __restrict__ pot, int n, int m, T ir, int rowsPerSplit,
                     T* __restrict__ pmax, T* __restrict__ psum) {
  __shared__ T smx[COL_TY][COL_COLS];
  __shared__ T ssum[COL_TY][COL_COLS];
  const int tx = threadIdx.x;
  const int ty = threadIdx.y;
  const int base = blockIdx.x * COL_COLS;
  const int r0 = blockIdx.y * rowsPerSplit;
  const int r1 = min(n, r0 + rowsPerSplit);
  const bool vec = (m & 3) == 0;
  T mx[4];
  T s[4];
#pragma unroll
  for (int q = 0; q < 4; q++) {
    mx[q] = ninf<T>();
    s[q] = 0;
  }
  auto add = [&](int q, T pi, T ri, float c) {
    if (LSE) {
      lseAdd(mx[q], s[q], pi - (static_cast<T>(c) - ri) * ir);
    } else {
      s[q] += static_cast<T>(c) * pi;
    }
  };
  auto rowValues = [&](int i, T& pi, T& ri) {
    pi = pot[i];
    ri = LSE ? static_cast<T>(rmin[i]) : T(0);
  };
  if (vec) {
    const int j = base + 4 * tx;
    if (j < m) {
      int i = r0 + ty;
      for (; i + COL_TY < r1; i += 2 * COL_TY) {
        const float4 c0 = *reinterpret_cast<const float4*>(M + static_cast<size_t>(i) * m + j);
        const float4 c1 =
            *reinterpret_cast<const float4*>(M + static_cast<size_t>(i + COL_TY) * m + j);
        T p0, q0, p1, q1;
        rowValues(i, p0, q0);
        rowValues(i + COL_TY, p1, q1);
        add(0, p0, q0, c0.x);
        add(1, p0, q0, c0.y);
        add(2, p0, q0, c0.z);
        add(3, p0, q0, c0.w);
        add(0, p1, q1, c1.x);
        add(1, p1, q1, c1.y);
        add(2, p1, q1, c1.z);
        add(3, p1, q1, c1.w);
      }
      if (i < r1) {
        const float4 c0 = *reinterpret_cast<const float4*>(M + static_cast<size_t>(i) * m + j);
        T p0, q0;
        rowValues(i, p0, q0);
        add(0, p0, q0, c0.x);
        add(1, p0, q0, c0.y);
        add(2, p0, q0, c0.z);
        add(3, p0, q0, c0.w);
      }
    }
  } else {
    for (int i = r0 + ty; i < r1; i += COL_TY) {
      const float* row = M + static_cast<size_t>(i) * m;
      T pi, ri;
      rowValues(i, pi, ri);
#pragma unroll
      for (int q = 0; q < 4; q++) {
        const int j = base + tx + 32 * q;
        if (j < m) add(q, pi, ri, row[j]);
      }
    }
  }
#pragma unroll
  for (int q = 0; q < 4; q++) {
    const int col = vec ? 4 * tx + q : tx + 32 * q;
    smx[ty][col] = mx[q];
    ssum[ty][col] = s[q];
  }
  __syncthreads();
  const int t = ty * COL_TX + tx;
  if (t < COL_COLS) {
    T M0 = smx[0][t];
    T S0 = ssum[0][t];
    for (int r = 1; r < COL_TY; r++) {
      if (LSE) {
        lseMerge(M0, S0, smx[r][t], ssum[r][t]);
      } else {
        S0 += ssum[r][t];
      }
    }
    const int j = base + t;
    if (j < m) {
      if (LSE) pmax[static_cast<size_t>(blockIdx.y) * m + j] = M0;
      psum[static_cast<size_t>(blockIdx.y) * m + j] = S0;
    }
  }
}

// LSE: gs_j = log b_j - LSE over the splits; SUM: v_j = b_j / sum over the splits
template <class T, bool LSE>
__global__ void colCombineKernel(const T* __restrict__ pmax, const T* __restrict__ psum,
                                 int splits, int m, const T* __restrict__ bOrLogB,
                                 T* __restrict__ out, DevScalars* sc) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= m) return;
  T M0 = ninf<T>();
  T S0 = 0;
  for (int k = 0; k < splits; k++) {
    const size_t o = static_cast<size_t>(k) * m + j;
    if (LSE) {
      lseMerge(M0, S0, pmax[o], psum[o]);
    } else {
      S0 += psum[o];
    }
  }
  const T v = LSE ? bOrLogB[j] - (M0 + dlog(S0)) : bOrLogB[j] / S0;
  out[j] = v;
  if (!isfinite(v)) sc->bad = 1;
}

// final measure, rows: P_ij in float64 (written to plan), row sums and <P_i, C_i>
template <class T>
__global__ void __launch_bounds__(ROW_THREADS)
    planRowsKernel(const float* __restrict__ C, const float* __restrict__ K,
                   const float* __restrict__ rmin, const T* __restrict__ P,
                   const T* __restrict__ Q, T ir, int logForm, int m,
                   double* __restrict__ plan, double* __restrict__ rowSum,
                   double* __restrict__ rowCost) {
  __shared__ double sh[32];
  const int i = blockIdx.x;
  const size_t off = static_cast<size_t>(i) * m;
  const T pi = P[i];
  const T ri = static_cast<T>(rmin[i]);
  double rs = 0;
  double rc = 0;
  for (int j = threadIdx.x; j < m; j += ROW_THREADS) {
    const float c = C[off + j];
    const T pij = logForm ? dexp(pi + Q[j] - (static_cast<T>(c) - ri) * ir)
                          : pi * static_cast<T>(K[off + j]) * Q[j];
    const double p = static_cast<double>(pij);
    plan[off + j] = p;
    rs += p;
    rc += p * static_cast<double>(c);
  }
  rs = blockSum(rs, sh);
  rc = blockSum(rc, sh);
  if (threadIdx.x == 0) {
    rowSum[i] = rs;
    rowCost[i] = rc;
  }
}

// final measure, columns of the float64 plan: partial sums over row splits (scalar, coalesced)
__global__ void __launch_bounds__(COL_TX * COL_TY)
    planColPartial(const double* __restrict__ plan, int n, int m, int rowsPerSplit,
                   double* __restrict__ psum) {
  __shared__ double ssum[COL_TY][COL_COLS];
  const int tx = threadIdx.x;
  const int ty = threadIdx.y;
  const int base = blockIdx.x * COL_COLS;
  const int r0 = blockIdx.y * rowsPerSplit;
  const int r1 = min(n, r0 + rowsPerSplit);
  double s[4] = {0, 0, 0, 0};
  for (int i = r0 + ty; i < r1; i += COL_TY) {
    const double* row = plan + static_cast<size_t>(i) * m;
#pragma unroll
    for (int q = 0; q < 4; q++) {
      const int j = base + tx + 32 * q;
      if (j < m) s[q] += row[j];
    }
  }
#pragma unroll
  for (int q = 0; q < 4; q++) ssum[ty][tx + 32 * q] = s[q];
  __syncthreads();
  const int t = ty * COL_TX + tx;
  if (t < COL_COLS) {
    double S0 = 0;
    for (int r = 0; r < COL_TY; r++) S0 += ssum[r][t];
    const int j = base + t;
    if (j < m) psum[static_cast<size_t>(blockIdx.y) * m + j] = S0;
  }
}

__global__ void planColCombine(const double* __restrict__ psum, int splits, int m,
                               double* __restrict__ colSum) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= m) return;
  double s = 0;
  for (int k = 0; k < splits; k++) s += psum[static_cast<size_t>(k) * m + j];
  colSum[j] = s;
}

// ------------------------------------------------------------------------------------------
// host routines

int blocksFor(size_t count, int threads) {
  return static_cast<int>(std::max<size_t>(1, (count + threads - 1) / threads));
}

int streamGrid(const Ctx& c, size_t count) {
  return static_cast<int>(
      std::min<size_t>(static_cast<size_t>(c.sms) * 16, std::max<size_t>(1, count / 256 + 1)));
}

struct Split {
  int splits;
  int rows;
};

// Row splits for the column reductions: as many (column block, split) pairs as fit on the GPU at
// once (one wave: a second, nearly empty wave would cost up to half the time), at least 16 rows
// per split. blocksPerSm: resident blocks per SM of the kernel (occupancy API).
Split splitRows(const Ctx& c, int n, int m, int blocksPerSm) {
  const int bx = (m + COL_COLS - 1) / COL_COLS;
  const int slots = c.sms * std::max(blocksPerSm, 1);
  int s = std::max(1, slots / bx);
  s = std::min(s, std::max(1, n / 16));
  const int rows = (n + s - 1) / s;
  return Split{(n + rows - 1) / rows, rows};
}

template <class K>
int perSm(K kernel, int threads) {
  int b = 0;
  CK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&b, kernel, threads, 0));
  return std::max(b, 1);
}

// grid of a grid-stride row kernel: every row, at most one full wave
template <class K>
int rowGrid(const Ctx& c, K kernel, int n) {
  return std::max(1, std::min(n, c.sms * perSm(kernel, ROW_THREADS)));
}

void requireSize(long long count, const char* what) {
  if (count <= 0 || count > (1LL << 62)) {
    throw Failure{Failure::ILLEGAL_ARGUMENT, std::string("bad size for ") + what};
  }
}

// norms + SGEMM + epilogue on c.X (n x d), c.Y (m x d) into c.COST; checks when check = true
void computeCost(Ctx& c, int n, int m, int d, int metric, bool check) {
  const Blas& bl = g_blas;
  float* X = c.at<float>(S_X);
  float* Y = c.at<float>(S_Y);
  float* NX = c.get<float>(S_NX, n);
  float* NY = c.get<float>(S_NY, m);
  float* C = c.get<float>(S_COST, static_cast<size_t>(n) * m);
  if (check) {
    resetScalars<<<1, 1, 0, c.stream>>>(c.dsc, 4);
    CK_LAUNCH("resetScalars");
  }
  rowNormsKernel<<<blocksFor(static_cast<size_t>(n) * 32, 256), 256, 0, c.stream>>>(X, n, d, NX,
                                                                                    c.dsc);
  CK_LAUNCH("rowNormsKernel");
  if (check) {
    c.readScalars();
    if (c.hsc->firstBad != ~0ULL) {
      throw Failure{Failure::ILLEGAL_ARGUMENT,
                    "row " + std::to_string(c.hsc->firstBad) +
                        " of x has a NaN or infinite entry (or its squared norm overflows float32)"};
    }
    if (metric == 2 && c.hsc->firstZero != ~0ULL) {
      throw Failure{Failure::ILLEGAL_ARGUMENT,
                    "row " + std::to_string(c.hsc->firstZero) +
                        " of x has norm 0; the cosine distance to a zero vector is undefined"};
    }
  }
  rowNormsKernel<<<blocksFor(static_cast<size_t>(m) * 32, 256), 256, 0, c.stream>>>(Y, m, d, NY,
                                                                                    c.dsc);
  CK_LAUNCH("rowNormsKernel");
  if (check) {
    c.readScalars();
    if (c.hsc->firstBad != ~0ULL) {
      throw Failure{Failure::ILLEGAL_ARGUMENT,
                    "row " + std::to_string(c.hsc->firstBad) +
                        " of y has a NaN or infinite entry (or its squared norm overflows float32)"};
    }
    if (metric == 2 && c.hsc->firstZero != ~0ULL) {
      throw Failure{Failure::ILLEGAL_ARGUMENT,
                    "row " + std::to_string(c.hsc->firstZero) +
                        " of y has norm 0; the cosine distance to a zero vector is undefined"};
    }
  }
  // row-major C (n x m) is column-major C^T (m x n) = Y X^T: A = Y (d x m col-major, op T),
  // B = X (d x n col-major, op N)
  const float alpha = metric == 2 ? 1.0f : -2.0f;
  const float beta = 0.0f;
  CKB(bl.sgemm(c.blas, OP_T, OP_N, m, n, d, &alpha, Y, d, X, d, &beta, C, m));
  switch (metric) {
    case 0:
      costEpilogue<0><<<n, ROW_THREADS, 0, c.stream>>>(C, NX, NY, m);
      break;
    case 1:
      costEpilogue<1><<<n, ROW_THREADS, 0, c.stream>>>(C, NX, NY, m);
      break;
    default:
      costEpilogue<2><<<n, ROW_THREADS, 0, c.stream>>>(C, NX, NY, m);
      break;
  }
  CK_LAUNCH("costEpilogue");
}

struct Measure {
  double rowErr;
  double colErr;
  double cost;
};

double maxNan(double acc, double x) { return (x > acc || std::isnan(x)) ? x : acc; }

template <class T>
Measure measure(Ctx& c, int n, int m, bool logForm, T ir, const std::vector<double>& a,
                const std::vector<double>& b) {
  const Split sp = splitRows(c, n, m, perSm(planColPartial, COL_TX * COL_TY));
  double* plan = c.get<double>(S_PLAN, static_cast<size_t>(n) * m);
  double* rowSum = c.get<double>(S_ROWSUM, n);
  double* rowCost = c.get<double>(S_ROWCOST, n);
  double* colSum = c.get<double>(S_COLSUM, m);
  double* psum = c.get<double>(S_PSUMD, static_cast<size_t>(sp.splits) * m);
  planRowsKernel<T><<<n, ROW_THREADS, 0, c.stream>>>(
      c.at<float>(S_COST), logForm ? nullptr : c.at<float>(S_KER), c.at<float>(S_RMIN),
      c.at<T>(S_P), c.at<T>(S_Q), ir, logForm ? 1 : 0, m, plan, rowSum, rowCost);
  CK_LAUNCH("planRowsKernel");
  planColPartial<<<dim3((m + COL_COLS - 1) / COL_COLS, sp.splits), dim3(COL_TX, COL_TY), 0,
                   c.stream>>>(plan, n, m, sp.rows, psum);
  CK_LAUNCH("planColPartial");
  planColCombine<<<blocksFor(m, 256), 256, 0, c.stream>>>(psum, sp.splits, m, colSum);
  CK_LAUNCH("planColCombine");
  std::vector<double> rs(n), rc(n), cs(m);
  CK(cudaMemcpyAsync(rs.data(), rowSum, n * sizeof(double), cudaMemcpyDeviceToHost, c.stream));
  CK(cudaMemcpyAsync(rc.data(), rowCost, n * sizeof(double), cudaMemcpyDeviceToHost, c.stream));
  CK(cudaMemcpyAsync(cs.data(), colSum, m * sizeof(double), cudaMemcpyDeviceToHost, c.stream));
  c.sync();
  Measure r{0, 0, 0};
  for (int i = 0; i < n; i++) {
    r.rowErr = maxNan(r.rowErr, std::fabs(rs[i] - a[i]));
    r.cost += rc[i];
  }
  for (int j = 0; j < m; j++) r.colErr = maxNan(r.colErr, std::fabs(cs[j] - b[j]));
  return r;
}

struct SinkOut {
  std::vector<double> f;
  std::vector<double> g;
  double stats[8] = {0, 0, 0, 0, 0, 0, 0, 0};
};

enum Status { CONVERGED = 0, NOT_CONVERGED = 1, NON_FINITE = 2 };

template <class T>
double readErr(const DevScalars& s);
template <>
double readErr<float>(const DevScalars& s) {
  float f;
  std::memcpy(&f, &s.errF, sizeof f);
  return f;
}
template <>
double readErr<double>(const DevScalars& s) {
  double d;
  std::memcpy(&d, &s.errD, sizeof d);
  return d;
}

template <class T>
void runSinkhorn(Ctx& c, const std::vector<double>& a, const std::vector<double>& b, double reg,
                 double tol, int maxIter, int checkEvery, bool logForm, int impl, bool fixed,
                 SinkOut& out) {
  const int n = c.costN;
  const int m = c.costM;
  const bool blasKer = !logForm && impl == 1 && sizeof(T) == sizeof(float);
  const T ir = static_cast<T>(1.0 / reg);
  const Split sp = logForm ? splitRows(c, n, m, perSm(colPartialKernel<T, true>, COL_TX * COL_TY))
                           : splitRows(c, n, m, perSm(colPartialKernel<T, false>, COL_TX * COL_TY));
  const int rowLogGrid = rowGrid(c, rowLogKernel<T>, n);
  const int rowKerGrid = rowGrid(c, rowKerKernel<T>, n);
  const float* C = c.at<float>(S_COST);
  float* rmin = c.get<float>(S_RMIN, n);
  T* A = c.get<T>(S_A, n);
  T* B = c.get<T>(S_B, m);
  T* logA = c.get<T>(S_LOGA, n);
  T* logB = c.get<T>(S_LOGB, m);
  T* P = c.get<T>(S_P, n);
  T* Q = c.get<T>(S_Q, m);
  T* pmax = c.get<T>(S_PMAX, static_cast<size_t>(sp.splits) * m);
  T* psum = c.get<T>(S_PSUM, static_cast<size_t>(sp.splits) * m);
  float* K = logForm ? nullptr : c.get<float>(S_KER, static_cast<size_t>(n) * m);
  float* tmpN = blasKer ? c.get<float>(S_TMPN, n) : nullptr;
  float* tmpM = blasKer ? c.get<float>(S_TMPM, m) : nullptr;
  {
    std::vector<T> ha(n), hb(m), hla(n), hlb(m);
    for (int i = 0; i < n; i++) {
      ha[i] = static_cast<T>(a[i]);
      hla[i] = static_cast<T>(std::log(a[i]));
    }
    for (int j = 0; j < m; j++) {
      hb[j] = static_cast<T>(b[j]);
      hlb[j] = static_cast<T>(std::log(b[j]));
    }
    CK(cudaMemcpyAsync(A, ha.data(), n * sizeof(T), cudaMemcpyHostToDevice, c.stream));
    CK(cudaMemcpyAsync(B, hb.data(), m * sizeof(T), cudaMemcpyHostToDevice, c.stream));
    CK(cudaMemcpyAsync(logA, hla.data(), n * sizeof(T), cudaMemcpyHostToDevice, c.stream));
    CK(cudaMemcpyAsync(logB, hlb.data(), m * sizeof(T), cudaMemcpyHostToDevice, c.stream));
    c.sync();
  }
  const dim3 colGrid((m + COL_COLS - 1) / COL_COLS, sp.splits);
  const dim3 colBlock(COL_TX, COL_TY);

  CK(cudaEventRecord(c.e0, c.stream));
  resetScalars<<<1, 1, 0, c.stream>>>(c.dsc, 1 | 2);
  CK_LAUNCH("resetScalars");
  rowMinKernel<<<n, ROW_THREADS, 0, c.stream>>>(C, m, rmin);
  CK_LAUNCH("rowMinKernel");
  if (logForm) {
    CK(cudaMemsetAsync(P, 0, n * sizeof(T), c.stream));  // all-zero bits are 0.0
    CK(cudaMemsetAsync(Q, 0, m * sizeof(T), c.stream));
  } else {
    makeKernel<T><<<n, ROW_THREADS, 0, c.stream>>>(C, rmin, m, ir, K);
    CK_LAUNCH("makeKernel");
    fillKernel<T><<<blocksFor(n, 256), 256, 0, c.stream>>>(P, n, T(1));
    CK_LAUNCH("fillKernel");
    fillKernel<T><<<blocksFor(m, 256), 256, 0, c.stream>>>(Q, m, T(1));
    CK_LAUNCH("fillKernel");
  }
  const float one = 1.0f;
  const float zero = 0.0f;
  int status = NOT_CONVERGED;
  double lastErr = std::nan("");
  int it = 1;
  Measure meas{0, 0, 0};
  bool measured = false;
  for (; it <= maxIter; it++) {
    const bool check = !fixed && (it % checkEvery == 0 || it == maxIter);
    if (check) {
      resetScalars<<<1, 1, 0, c.stream>>>(c.dsc, 1);
      CK_LAUNCH("resetScalars");
    }
    // columns
    if (logForm) {
      colPartialKernel<T, true><<<colGrid, colBlock, 0, c.stream>>>(C, rmin, P, n, m, ir,
                                                                     sp.rows, pmax, psum);
      CK_LAUNCH("colPartialKernel<log>");
      colCombineKernel<T, true><<<blocksFor(m, 256), 256, 0, c.stream>>>(pmax, psum, sp.splits,
                                                                          m, logB, Q, c.dsc);
      CK_LAUNCH("colCombineKernel<log>");
    } else if (blasKer) {
      // tmpM_j = sum_i K'_ij u_i: K' row-major n x m is column-major m x n
      CKB(g_blas.sgemv(c.blas, OP_N, m, n, &one, K, m, reinterpret_cast<const float*>(P), 1,
                       &zero, tmpM, 1));
      colKerFinish<<<blocksFor(m, 256), 256, 0, c.stream>>>(
          tmpM, reinterpret_cast<float*>(Q), reinterpret_cast<const float*>(B), m, c.dsc);
      CK_LAUNCH("colKerFinish");
    } else {
      colPartialKernel<T, false><<<colGrid, colBlock, 0, c.stream>>>(K, rmin, P, n, m, ir,
                                                                      sp.rows, pmax, psum);
      CK_LAUNCH("colPartialKernel<kernel>");
      colCombineKernel<T, false><<<blocksFor(m, 256), 256, 0, c.stream>>>(pmax, psum, sp.splits,
                                                                           m, B, Q, c.dsc);
      CK_LAUNCH("colCombineKernel<kernel>");
    }
    // rows (measure the row error on the way)
    if (logForm) {
      rowLogKernel<T><<<rowLogGrid, ROW_THREADS, 0, c.stream>>>(C, rmin, Q, P, logA, A, n, m, ir,
                                                                 c.dsc);
      CK_LAUNCH("rowLogKernel");
    } else if (blasKer) {
      // tmpN_i = sum_j K'_ij v_j
      CKB(g_blas.sgemv(c.blas, OP_T, m, n, &one, K, m, reinterpret_cast<const float*>(Q), 1,
                       &zero, tmpN, 1));
      rowKerFinish<<<blocksFor(n, 256), 256, 0, c.stream>>>(
          tmpN, reinterpret_cast<float*>(P), reinterpret_cast<const float*>(A), n, c.dsc);
      CK_LAUNCH("rowKerFinish");
    } else {
      rowKerKernel<T><<<rowKerGrid, ROW_THREADS, 0, c.stream>>>(K, Q, P, A, n, m, c.dsc);
      CK_LAUNCH("rowKerKernel");
    }
    if (!check) continue;
    c.readScalars();
    const double err = readErr<T>(*c.hsc);
    lastErr = err;
    if (c.hsc->bad != 0 || !std::isfinite(err)) {
      status = NON_FINITE;
      break;
    }
    if (err <= tol) {
      meas = measure<T>(c, n, m, logForm, ir, a, b);
      measured = true;
      if (std::isnan(meas.rowErr) || std::isnan(meas.colErr)) {
        lastErr = std::nan("");
        status = NON_FINITE;
        break;
      }
      const double e = std::max(meas.rowErr, meas.colErr);
      if (e <= tol) {
        status = CONVERGED;
        break;
      }
      lastErr = e;
    }
  }
  const int iterations = std::min(it, maxIter);
  CK(cudaEventRecord(c.e1, c.stream));
  c.sync();
  float ms = 0;
  CK(cudaEventElapsedTime(&ms, c.e0, c.e1));
  if (fixed) {
    c.readScalars();
    if (c.hsc->bad != 0) {
      status = NON_FINITE;
      lastErr = readErr<T>(*c.hsc);
    } else {
      meas = measure<T>(c, n, m, logForm, ir, a, b);
      measured = true;
      const bool nan = std::isnan(meas.rowErr) || std::isnan(meas.colErr);
      status = nan ? NON_FINITE : CONVERGED;
      lastErr = nan ? std::nan("") : std::max(meas.rowErr, meas.colErr);
    }
  }
  // potentials in cost units: f = reg fs + r (log) or reg log u + r; g = reg gs or reg log v
  std::vector<T> hp(n), hq(m);
  std::vector<float> hr(n);
  CK(cudaMemcpyAsync(hp.data(), P, n * sizeof(T), cudaMemcpyDeviceToHost, c.stream));
  CK(cudaMemcpyAsync(hq.data(), Q, m * sizeof(T), cudaMemcpyDeviceToHost, c.stream));
  CK(cudaMemcpyAsync(hr.data(), rmin, n * sizeof(float), cudaMemcpyDeviceToHost, c.stream));
  c.sync();
  out.f.resize(n);
  out.g.resize(m);
  for (int i = 0; i < n; i++) {
    const double p = static_cast<double>(hp[i]);
    out.f[i] = (logForm ? reg * p : reg * std::log(p)) + static_cast<double>(hr[i]);
  }
  for (int j = 0; j < m; j++) {
    const double q = static_cast<double>(hq[j]);
    out.g[j] = logForm ? reg * q : reg * std::log(q);
  }
  out.stats[0] = iterations;
  out.stats[1] = measured ? meas.rowErr : std::nan("");
  out.stats[2] = measured ? meas.colErr : std::nan("");
  out.stats[3] = measured ? meas.cost : std::nan("");
  out.stats[4] = ms;
  out.stats[5] = status;
  out.stats[6] = lastErr;
}

}  // namespace

// ------------------------------------------------------------------------------------------
// JNI

extern "C" {

JNIEXPORT jint JNICALL Java_org_otfuse_core_backend_CudaNative_abiVersion(JNIEnv*, jclass) {
  return ABI_VERSION;
}

JNIEXPORT jint JNICALL Java_org_otfuse_core_backend_CudaNative_deviceCount(JNIEnv*, jclass) {
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    cudaGetLastError();
    return -static_cast<int>(e);
  }
  return count;
}

JNIEXPORT jstring JNICALL Java_org_otfuse_core_backend_CudaNative_errorString(JNIEnv* env, jclass,
                                                                              jint code) {
  const cudaError_t e = static_cast<cudaError_t>(code);
  std::string s = std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e);
  return env->NewStringUTF(s.c_str());
}

JNIEXPORT jstring JNICALL Java_org_otfuse_core_backend_CudaNative_deviceInfo(JNIEnv* env, jclass,
                                                                             jint device) {
  JNI_TRY
  cudaDeviceProp p;
  CK(cudaGetDeviceProperties(&p, device));
  int driver = 0;
  int runtime = 0;
  CK(cudaDriverGetVersion(&driver));
  CK(cudaRuntimeGetVersion(&runtime));
  std::ostringstream o;
  o << p.name << ", compute capability " << p.major << "." << p.minor << ", "
    << (p.totalGlobalMem >> 20) << " MiB, " << p.multiProcessorCount << " SMs, L2 "
    << (p.l2CacheSize >> 20) << " MiB, CUDA driver API " << driver / 1000 << "."
    << (driver % 1000) / 10 << ", runtime " << runtime / 1000 << "." << (runtime % 1000) / 10;
  return env->NewStringUTF(o.str().c_str());
  JNI_CATCH(nullptr)
}

JNIEXPORT jlong JNICALL Java_org_otfuse_core_backend_CudaNative_create(JNIEnv* env, jclass,
                                                                       jint device) {
  JNI_TRY
  const Blas& bl = openBlas();
  if (!bl.error.empty()) throw Failure{Failure::CUDA, bl.error};
  std::unique_ptr<Ctx, void (*)(Ctx*)> c(new Ctx(), destroyCtx);
  c->device = device;
  CK(cudaSetDevice(device));
  CK(cudaDeviceGetAttribute(&c->sms, cudaDevAttrMultiProcessorCount, device));
  CK(cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking));
  CKB(bl.create(&c->blas));
  CKB(bl.setStream(c->blas, c->stream));
  CK(cudaEventCreate(&c->e0));
  CK(cudaEventCreate(&c->e1));
  CK(cudaMalloc(&c->dsc, sizeof(DevScalars)));
  CK(cudaMallocHost(&c->hsc, sizeof(DevScalars)));
  resetScalars<<<1, 1, 0, c->stream>>>(c->dsc, 1 | 2 | 4);
  CK_LAUNCH("resetScalars");
  c->sync();
  return reinterpret_cast<jlong>(c.release());
  JNI_CATCH(0)
}

JNIEXPORT jstring JNICALL Java_org_otfuse_core_backend_CudaNative_blasInfo(JNIEnv* env, jclass,
                                                                           jlong h) {
  JNI_TRY
  Ctx& c = ctxOf(h);
  int version = 0;
  CKB(g_blas.getVersion(c.blas, &version));
  std::string s = g_blas.path + " (cuBLAS " + std::to_string(version) + ")";
  return env->NewStringUTF(s.c_str());
  JNI_CATCH(nullptr)
}

JNIEXPORT void JNICALL Java_org_otfuse_core_backend_CudaNative_destroy(JNIEnv*, jclass, jlong h) {
  destroyCtx(reinterpret_cast<Ctx*>(h));
}

JNIEXPORT void JNICALL Java_org_otfuse_core_backend_CudaNative_setCost(JNIEnv* env, jclass,
                                                                       jlong h, jfloatArray cost,
                                                                       jint n, jint m) {
  JNI_TRY
  Ctx& c = ctxOf(h);
  const size_t count = static_cast<size_t>(n) * m;
  requireSize(static_cast<long long>(count), "cost");
  c.costN = 0;
  c.costM = 0;
  float* C = c.get<float>(S_COST, count);
  upload(env, c, C, cost, count * sizeof(float));
  resetScalars<<<1, 1, 0, c.stream>>>(c.dsc, 4);
  CK_LAUNCH("resetScalars");
  finiteKernel<<<streamGrid(c, count), 256, 0, c.stream>>>(C, count, c.dsc);
  CK_LAUNCH("finiteKernel");
  c.readScalars();
  if (c.hsc->firstBad != ~0ULL) {
    const unsigned long long k = c.hsc->firstBad;
    float v = 0;
    CK(cudaMemcpy(&v, C + k, sizeof v, cudaMemcpyDeviceToHost));
    std::ostringstream o;
    o << "cost[" << k / m << ", " << k % m << "] = "
      << (std::isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity")  // as Java prints them
      << " but every entry must be finite";
    throw Failure{Failure::ILLEGAL_ARGUMENT, o.str()};
  }
  c.costN = n;
  c.costM = m;
  JNI_CATCH()
}

JNIEXPORT jdouble JNICALL Java_org_otfuse_core_backend_CudaNative_pointsCost(
    JNIEnv* env, jclass, jlong h, jfloatArray x, jint n, jfloatArray y, jint m, jint d,
    jint metric, jint normalization) {
  JNI_TRY
  Ctx& c = ctxOf(h);
  requireSize(static_cast<long long>(n) * d, "x");
  requireSize(static_cast<long long>(m) * d, "y");
  requireSize(static_cast<long long>(n) * m, "cost");
  c.costN = 0;
  c.costM = 0;
  float* X = c.get<float>(S_X, static_cast<size_t>(n) * d);
  float* Y = c.get<float>(S_Y, static_cast<size_t>(m) * d);
  upload(env, c, X, x, static_cast<size_t>(n) * d * sizeof(float));
  upload(env, c, Y, y, static_cast<size_t>(m) * d * sizeof(float));
  computeCost(c, n, m, d, metric, true);
  double stat = 1;
  const size_t count = static_cast<size_t>(n) * m;
  float* C = c.at<float>(S_COST);
  if (normalization != 0) {
    resetScalars<<<1, 1, 0, c.stream>>>(c.dsc, 4);
    CK_LAUNCH("resetScalars");
    sumMaxKernel<<<streamGrid(c, count), 256, 0, c.stream>>>(C, count, c.dsc);
    CK_LAUNCH("sumMaxKernel");
    c.readScalars();
    double mx;
    std::memcpy(&mx, &c.hsc->maxBits, sizeof mx);
    stat = normalization == 1 ? mx : c.hsc->sum / static_cast<double>(count);
    if (!(stat > 0) || std::isinf(stat)) {
      std::ostringstream o;
      o << "cannot normalise the cost by its " << (normalization == 1 ? "max" : "mean") << " = "
        << stat << "; it must be finite and > 0 (use CostNormalization.NONE)";
      throw Failure{Failure::ILLEGAL_ARGUMENT, o.str()};
    }
    scaleKernel<<<streamGrid(c, count), 256, 0, c.stream>>>(C, count,
                                                            static_cast<float>(1.0 / stat));
    CK_LAUNCH("scaleKernel");
  }
  c.sync();
  c.costN = n;
  c.costM = m;
  return stat;
  JNI_CATCH(0)
}

JNIEXPORT void JNICALL Java_org_otfuse_core_backend_CudaNative_getCost(JNIEnv* env, jclass,
                                                                       jlong h, jfloatArray out) {
  JNI_TRY
  Ctx& c = ctxOf(h);
  if (c.costN == 0) throw Failure{Failure::ILLEGAL_STATE, "no cost on the device"};
  const size_t count = static_cast<size_t>(c.costN) * c.costM;
  if (static_cast<size_t>(env->GetArrayLength(out)) != count) {
    throw Failure{Failure::ILLEGAL_ARGUMENT, "out has the wrong length"};
  }
  download(env, c, out, c.at<float>(S_COST), count * sizeof(float));
  JNI_CATCH()
}

JNIEXPORT void JNICALL Java_org_otfuse_core_backend_CudaNative_sinkhorn(
    JNIEnv* env, jclass, jlong h, jdoubleArray aArr, jdoubleArray bArr, jdouble reg, jdouble tol,
    jint maxIter, jint checkEvery, jint form, jint precision, jint impl, jboolean fixed,
    jdoubleArray fArr, jdoubleArray gArr, jdoubleArray planArr, jdoubleArray statsArr) {
  JNI_TRY
  Ctx& c = ctxOf(h);
  if (c.costN == 0) throw Failure{Failure::ILLEGAL_STATE, "no cost on the device"};
  const int n = c.costN;
  const int m = c.costM;
  if (env->GetArrayLength(aArr) != n || env->GetArrayLength(bArr) != m ||
      env->GetArrayLength(fArr) != n || env->GetArrayLength(gArr) != m ||
      env->GetArrayLength(statsArr) < 8 ||
      (planArr != nullptr &&
       static_cast<size_t>(env->GetArrayLength(planArr)) != static_cast<size_t>(n) * m)) {
    throw Failure{Failure::ILLEGAL_ARGUMENT, "array lengths do not match the resident cost"};
  }
  if (maxIter < 1 || checkEvery < 1) {
    throw Failure{Failure::ILLEGAL_ARGUMENT, "maxIter and checkEvery must be >= 1"};
  }
  std::vector<double> a(n), b(m);
  env->GetDoubleArrayRegion(aArr, 0, n, a.data());
  env->GetDoubleArrayRegion(bArr, 0, m, b.data());
  SinkOut out;
  const bool logForm = form == 0;
  if (precision == 0) {
    runSinkhorn<float>(c, a, b, reg, tol, maxIter, checkEvery, logForm, impl, fixed != 0, out);
  } else {
    runSinkhorn<double>(c, a, b, reg, tol, maxIter, checkEvery, logForm, impl, fixed != 0, out);
  }
  env->SetDoubleArrayRegion(fArr, 0, n, out.f.data());
  env->SetDoubleArrayRegion(gArr, 0, m, out.g.data());
  env->SetDoubleArrayRegion(statsArr, 0, 7, out.stats);
  if (planArr != nullptr && out.stats[5] == CONVERGED) {
    download(env, c, planArr, c.at<double>(S_PLAN),
             static_cast<size_t>(n) * m * sizeof(double));
  }
  JNI_CATCH()
}

JNIEXPORT void JNICALL Java_org_otfuse_core_backend_CudaNative_applyPlan(
    JNIEnv* env, jclass, jlong h, jdoubleArray planArr, jint n, jint m, jdoubleArray wArr, jint k,
    jdoubleArray outArr) {
  JNI_TRY
  Ctx& c = ctxOf(h);
  requireSize(static_cast<long long>(n) * m, "plan");
  requireSize(static_cast<long long>(n) * k, "w");
  double* T = c.get<double>(S_PLAN, static_cast<size_t>(n) * m);
  double* W = c.get<double>(S_W, static_cast<size_t>(n) * k);
  double* O = c.get<double>(S_OUT, static_cast<size_t>(m) * k);
  upload(env, c, T, planArr, static_cast<size_t>(n) * m * sizeof(double));
  upload(env, c, W, wArr, static_cast<size_t>(n) * k * sizeof(double));
  // row-major out (m x k) is column-major out^T (k x m) = W^T T: A = W buffer (k x n, op N),
  // B = plan buffer (column-major m x n, op T gives n x m)
  const double one = 1.0;
  const double zero = 0.0;
  CKB(g_blas.dgemm(c.blas, OP_N, OP_T, k, m, n, &one, W, k, T, m, &zero, O, k));
  download(env, c, outArr, O, static_cast<size_t>(m) * k * sizeof(double));
  JNI_CATCH()
}

JNIEXPORT void JNICALL Java_org_otfuse_core_backend_CudaNative_benchGroundCost(
    JNIEnv* env, jclass, jlong h, jint n, jint m, jint d, jint metric, jdoubleArray msArr) {
  JNI_TRY
  Ctx& c = ctxOf(h);
  requireSize(static_cast<long long>(n) * m, "cost");
  const int reps = env->GetArrayLength(msArr);
  c.costN = 0;
  c.costM = 0;
  float* X = c.get<float>(S_X, static_cast<size_t>(n) * d);
  float* Y = c.get<float>(S_Y, static_cast<size_t>(m) * d);
  fillUniform<<<streamGrid(c, static_cast<size_t>(n) * d), 256, 0, c.stream>>>(
      X, static_cast<size_t>(n) * d, 1);
  CK_LAUNCH("fillUniform");
  fillUniform<<<streamGrid(c, static_cast<size_t>(m) * d), 256, 0, c.stream>>>(
      Y, static_cast<size_t>(m) * d, 2);
  CK_LAUNCH("fillUniform");
  computeCost(c, n, m, d, metric, false);  // warm-up (and allocation)
  c.sync();
  std::vector<double> ms(reps);
  for (int r = 0; r < reps; r++) {
    CK(cudaEventRecord(c.e0, c.stream));
    computeCost(c, n, m, d, metric, false);
    CK(cudaEventRecord(c.e1, c.stream));
    c.sync();
    float t = 0;
    CK(cudaEventElapsedTime(&t, c.e0, c.e1));
    ms[r] = t;
  }
  c.costN = n;
  c.costM = m;
  env->SetDoubleArrayRegion(msArr, 0, reps, ms.data());
  JNI_CATCH()
}

}  // extern "C"
