"""Case catalogue: ConvLSTM2D frame streams, group B."""
import numpy as np

from catalogue import Catalogue, scaled

CONVLSTM = Catalogue("B")


# ---------------------------------- ConvLSTM2D ------------------------------------------------
# Video streams: one event = one frame (rows, cols, channels) or (channels, rows, cols), flattened
# in C order (docs/SEMANTICS.md section 6). Small frames and few keys keep every file well below 100 KB.
# Keras 3 on TensorFlow CPU (TF_ENABLE_ONEDNN_OPTS=0) refuses NCHW convolutions ("The Conv2D op currently
# only supports the NHWC tensor format on the CPU"), so the Keras 3 channels_first models run under XLA,
# whose CPU convolution supports NCHW: still Keras computing the numbers. compile(jit_compile=True) alone
# is ignored while op determinism is on (keras model_supports_jit), hence the private flag; XLA's CPU
# convolution is deterministic single-threaded. tf_keras transposes to NHWC on CPU by itself.
CONV_FRAME = (6, 5, 2)       # rows, cols, channels
CONV_LENGTHS = (15, 8, 12)
CONV_KEYS = ("cam-0", "cam-1", "cam-2")


def _frames(shape):
    def events(rng, ki, T, F):
        return rng.normal(0.0, 1.0, (T,) + tuple(shape)).astype(np.float32)
    return events


def conv_case(base, frame=CONV_FRAME, **kw):
    kw.setdefault("lengths", CONV_LENGTHS)
    kw.setdefault("keys", CONV_KEYS)
    kw.setdefault("n_resets", 1)
    return CONVLSTM.case(base, features=int(np.prod(frame)), event_fn=_frames(frame), all_formats=False, **kw)


def _conv_seq(L, s, layers, frame=CONV_FRAME, xla=False):
    m = L.seq(s, None, layers, feat_shape=frame)
    if xla and L.k3:
        m.compile()
        m._jit_compile = True
    return m


@conv_case("convlstm_seq",
           description="ConvLSTM2D(3, (3, 3), padding='same', return_sequences=True), channels_last 6x5x2 frames; "
                       "output per event = the 6x5x3 h map")
def _convlstm_seq(L, s):
    return _conv_seq(L, s, [L.layers.ConvLSTM2D(3, (3, 3), padding="same", return_sequences=True,
                                                stateful=s.stateful)])


@conv_case("convlstm_valid_strides",
           description="ConvLSTM2D(4, (3, 2), strides=2, padding='valid', return_sequences=True): 6x5x2 frames -> "
                       "2x2x4 maps")
def _convlstm_valid_strides(L, s):
    return _conv_seq(L, s, [L.layers.ConvLSTM2D(4, (3, 2), strides=2, padding="valid", return_sequences=True,
                                                stateful=s.stateful)])


@conv_case("convlstm_dilation",
           description="ConvLSTM2D(3, (3, 3), dilation_rate=(2, 1), padding='same', return_sequences=True)")
def _convlstm_dilation(L, s):
    return _conv_seq(L, s, [L.layers.ConvLSTM2D(3, (3, 3), dilation_rate=(2, 1), padding="same",
                                                return_sequences=True, stateful=s.stateful)])


@conv_case("convlstm_channels_first", frame=(2, 6, 5),
           description="ConvLSTM2D(3, (3, 3), strides=(2, 1), padding='same', data_format='channels_first', "
                       "return_sequences=True): (2, 6, 5) frames -> (3, 3, 5) maps",
           notes="Keras 3 computes this model with jit_compile=True (XLA): TensorFlow's CPU kernels refuse "
                 "channels_first convolutions without oneDNN.")
def _convlstm_channels_first(L, s):
    return _conv_seq(L, s, [L.layers.ConvLSTM2D(3, (3, 3), strides=(2, 1), padding="same",
                                                data_format="channels_first", return_sequences=True,
                                                stateful=s.stateful)], frame=(2, 6, 5), xla=True)


@conv_case("convlstm_stacked",
           description="ConvLSTM2D(3, (3, 3), same, return_sequences=True) -> ConvLSTM2D(2, (2, 2), valid, "
                       "return_sequences=True): 6x5x2 frames -> 5x4x2 maps")
def _convlstm_stacked(L, s):
    return _conv_seq(L, s, [L.layers.ConvLSTM2D(3, (3, 3), padding="same", return_sequences=True,
                                                stateful=s.stateful),
                            L.layers.ConvLSTM2D(2, (2, 2), padding="valid", return_sequences=True,
                                                stateful=s.stateful)])


@conv_case("convlstm_last", seq_out=False,
           description="ConvLSTM2D(3, (3, 3), same) many-to-one -> Flatten -> Dense(2)")
def _convlstm_last(L, s):
    return _conv_seq(L, s, [L.layers.ConvLSTM2D(3, (3, 3), padding="same", stateful=s.stateful),
                            L.layers.Flatten(), L.layers.Dense(2)])


@conv_case("convlstm_activations_no_bias",
           description="ConvLSTM2D(3, (2, 3), activation='relu', recurrent_activation='hard_sigmoid', "
                       "use_bias=False, padding='same', return_sequences=True)",
           notes="hard_sigmoid is clip(0.2x+0.5, 0, 1) in Keras 2 and relu6(x+3)/6 in Keras 3.")
def _convlstm_act(L, s):
    return _conv_seq(L, s, [scaled(L.layers.ConvLSTM2D(3, (2, 3), activation="relu",
                                                       recurrent_activation="hard_sigmoid", use_bias=False,
                                                       padding="same", return_sequences=True,
                                                       stateful=s.stateful), 0.8)])


@conv_case("convlstm_bidirectional", mode="window", window=4, seq_out=False,
           description="Input(shape=(4, 6, 5, 2)) -> Bidirectional(ConvLSTM2D(2, (3, 3), same)) concat on the "
                       "channel axis; window N=4, output = the 6x5x4 map")
def _convlstm_bidi(L, s):
    return _conv_seq(L, s, [L.layers.Bidirectional(L.layers.ConvLSTM2D(2, (3, 3), padding="same"))])


@conv_case("convlstm_bidirectional_channels_first", mode="window", window=3, seq_out=False, frame=(2, 6, 5),
           description="Input(shape=(3, 2, 6, 5)) -> Bidirectional(ConvLSTM2D(2, (3, 3), same, "
                       "data_format='channels_first')): concat on the last axis, which is the map's columns "
                       "here: output (2, 6, 10); window N=3",
           notes="Keras 3 computes this model with jit_compile=True (XLA), see convlstm_channels_first.")
def _convlstm_bidi_cf(L, s):
    return _conv_seq(L, s, [L.layers.Bidirectional(L.layers.ConvLSTM2D(2, (3, 3), padding="same",
                                                                       data_format="channels_first"))],
                     frame=(2, 6, 5), xla=True)


@conv_case("convlstm_go_backwards", mode="window", window=3,
           description="Input(shape=(3, 6, 5, 2)) -> ConvLSTM2D(2, (3, 3), valid, go_backwards=True, "
                       "return_sequences=True); window N=3, output = the whole (reversed-time) 3x4x3x2 sequence")
def _convlstm_go_backwards(L, s):
    return _conv_seq(L, s, [L.layers.ConvLSTM2D(2, (3, 3), padding="valid", go_backwards=True,
                                                return_sequences=True)])
