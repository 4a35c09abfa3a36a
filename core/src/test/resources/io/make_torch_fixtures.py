#!/usr/bin/python3
"""Writes the small PyTorch checkpoints that TorchCheckpointTest reads, and their expected values.

Run with Debian's python3-torch (1.13) and numpy 1.24, from this directory:

    /usr/bin/python3 make_torch_fixtures.py

Every random value comes from torch.manual_seed below, so a rerun rewrites identical tensors
(the zip files' bytes are identical too; legacy files embed storage keys that are memory
addresses, so their bytes differ between runs but their content does not).

Outputs (all in this directory, a few KB in total):
  torch_zip.pt         state_dict (OrderedDict with _metadata, as Module.state_dict() makes it)
                       in the zip format (torch >= 1.6 default)
  torch_legacy.pt      the same state_dict with _use_new_zipfile_serialization=False
  torch_wrapped.pt     {'model_state_dict': state_dict, 'epoch': 3, 'args': argparse.Namespace,
                        'best_acc': 91.25, 'history': [0.5, 0.25]} in the zip format
  torch_wrapped_legacy.pt  the same dict in the legacy format
  torch_not_state_dict.pt  {'weights': [tensor, tensor], 'epoch': 1}: no state_dict to find
  torch_expected.npz   for every tensor of state_dict, its values as numpy: the tensor's own
                       dtype where numpy has it (float32, float64, float16, int*, uint8, bool),
                       float32 for bfloat16 (exact: every bfloat16 is a float32)
  torch_expected_dtypes.txt  "name dtype shape" per line, in state_dict order
  npz_compressed.npz   numpy.savez_compressed of two small arrays (deflated entries), for NpzTest
"""
import argparse
import collections
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def state_dict():
    torch.manual_seed(20240611)
    sd = collections.OrderedDict()
    # A real module's state_dict: Linear weight/bias and BatchNorm1d with its int64 scalar.
    lin = torch.nn.Linear(3, 4)
    bn = torch.nn.BatchNorm1d(4)
    bn.train()
    bn(torch.randn(8, 4))  # updates running stats and num_batches_tracked (= 1)
    bn.num_batches_tracked.fill_(7)
    for k, v in lin.state_dict().items():
        sd['fc1.' + k] = v
    for k, v in bn.state_dict().items():
        sd['bn1.' + k] = v
    sd['double'] = torch.randn(3, 2, dtype=torch.float64)
    sd['half'] = torch.randn(2, 5).half()
    sd['bf16'] = torch.randn(5, 2).bfloat16()
    sd['long_vec'] = torch.arange(-3, 9, dtype=torch.int64) * 1000000007
    sd['int32'] = torch.tensor([[-2147483648, 0, 2147483647]], dtype=torch.int32)
    sd['int16'] = torch.tensor([-32768, -1, 32767], dtype=torch.int16)
    sd['int8'] = torch.tensor([-128, 0, 127], dtype=torch.int8)
    sd['uint8'] = torch.tensor([0, 1, 255], dtype=torch.uint8)
    sd['bool'] = torch.tensor([True, False, True, True])
    sd['scalar_f'] = torch.tensor(2.5)
    # Non-contiguous: a transposed tensor saved as is (stride (1, 5)).
    sd['transposed'] = torch.randn(3, 5).t()
    # Two tensors sharing one storage: a row slice (offset 8, contiguous) and a column (stride 4).
    big = torch.randn(10, 4)
    sd['shared_rows'] = big[2:5]
    sd['shared_col'] = big[:, 1]
    # A 3-d strided view of a larger storage: every other element of the last axis, permuted.
    cube = torch.randn(2, 3, 8)
    sd['strided_3d'] = cube[:, :, ::2].permute(1, 0, 2)
    sd['empty'] = torch.zeros(0, 3)
    # Module.state_dict() attaches _metadata (pickled as the OrderedDict's state, through BUILD).
    sd._metadata = collections.OrderedDict([('', {'version': 1}), ('fc1', {'version': 1})])
    return sd


def check_views(sd):
    assert not sd['transposed'].is_contiguous()
    assert sd['shared_rows'].storage().data_ptr() == sd['shared_col'].storage().data_ptr()
    assert sd['shared_rows'].storage_offset() == 8
    assert sd['shared_col'].stride() == (4,)
    assert not sd['strided_3d'].is_contiguous()


def expected(sd):
    out = collections.OrderedDict()
    lines = []
    for k, v in sd.items():
        if v.dtype == torch.bfloat16:
            out[k] = v.float().numpy()
        else:
            out[k] = v.numpy().copy()
        lines.append('%s %s %s' % (k, str(v.dtype).replace('torch.', ''),
                                   ','.join(str(d) for d in v.shape)))
    return out, lines


def main():
    sd = state_dict()
    check_views(sd)
    torch.save(sd, os.path.join(HERE, 'torch_zip.pt'))
    torch.save(sd, os.path.join(HERE, 'torch_legacy.pt'), _use_new_zipfile_serialization=False)
    wrapped = {
        'model_state_dict': sd,
        'epoch': 3,
        'args': argparse.Namespace(lr=0.1, model_name='mlpnet', widths=[4, 3]),
        'best_acc': 91.25,
        'history': [0.5, 0.25],
    }
    torch.save(wrapped, os.path.join(HERE, 'torch_wrapped.pt'))
    torch.save(wrapped, os.path.join(HERE, 'torch_wrapped_legacy.pt'),
               _use_new_zipfile_serialization=False)
    torch.save({'weights': [sd['fc1.weight'], sd['fc1.bias']], 'epoch': 1},
               os.path.join(HERE, 'torch_not_state_dict.pt'))
    arrays, lines = expected(sd)
    np.savez(os.path.join(HERE, 'torch_expected.npz'), **arrays)
    with open(os.path.join(HERE, 'torch_expected_dtypes.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    rng = np.random.default_rng(7)
    np.savez_compressed(os.path.join(HERE, 'npz_compressed.npz'),
                        w=rng.standard_normal((3, 4)).astype(np.float32),
                        idx=np.arange(5, dtype=np.int64))
    # Read everything back with torch itself, as a check of the files.
    for name in ('torch_zip.pt', 'torch_legacy.pt'):
        back = torch.load(os.path.join(HERE, name))
        assert list(back) == list(sd)
        for k in sd:
            assert torch.equal(back[k], sd[k]), (name, k)


if __name__ == '__main__':
    main()
