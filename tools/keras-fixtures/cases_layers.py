"""Case catalogue: single-layer-kind models, Sequential and simple functional (group A: every file
format; group B: the full-model files only)."""
import numpy as np

from catalogue import Catalogue, Spec, scaled

CORE = Catalogue("A")
LAYERS = Catalogue("B")


# ---------------------------------- Group A ---------------------------------------------------

@CORE.case("lstm_seq", description="LSTM(8, return_sequences=True) -> TimeDistributed(Dense(2))")
def _lstm_seq(L, s):
    return L.seq(s, 4, [L.layers.LSTM(8, return_sequences=True, stateful=s.stateful),
                        L.layers.TimeDistributed(L.layers.Dense(2))])


@CORE.case("lstm_last", seq_out=False, features=3, description="LSTM(6) many-to-one -> Dense(1)")
def _lstm_last(L, s):
    return L.seq(s, 3, [L.layers.LSTM(6, stateful=s.stateful), L.layers.Dense(1)])


@CORE.case("gru_reset_after", features=5,
      description="GRU(7, reset_after=True, return_sequences=True) -> Dense(3)")
def _gru_ra(L, s):
    return L.seq(s, 5, [L.layers.GRU(7, reset_after=True, return_sequences=True, stateful=s.stateful),
                        L.layers.Dense(3)])


@CORE.case("gru_reset_before", seq_out=False, features=4,
      description="GRU(6, reset_after=False) many-to-one -> Dense(2)")
def _gru_rb(L, s):
    return L.seq(s, 4, [L.layers.GRU(6, reset_after=False, stateful=s.stateful), L.layers.Dense(2)])


@CORE.case("simple_rnn", features=3, lengths=(19, 8, 27, 13),
      description="SimpleRNN(5, tanh, return_sequences=True) -> SimpleRNN(4, relu, return_sequences=True) -> Dense(2)")
def _simple_rnn(L, s):
    return L.seq(s, 3, [L.layers.SimpleRNN(5, activation="tanh", return_sequences=True, stateful=s.stateful),
                        L.layers.SimpleRNN(4, activation="relu", return_sequences=True, stateful=s.stateful),
                        L.layers.Dense(2)])


@CORE.case("stacked_long", seq_out=False, features=4, lengths=(1200, 30, 45, 12),
      keys=("long-0", "k1", "sensor-2", "k3"),
      description="LSTM(16, return_sequences=True) -> GRU(8) many-to-one -> Dense(1); key long-0 has 1200 events")
def _stacked_long(L, s):
    return L.seq(s, 4, [scaled(L.layers.LSTM(16, return_sequences=True, stateful=s.stateful), 0.35),
                        scaled(L.layers.GRU(8, stateful=s.stateful), 0.35),
                        L.layers.Dense(1)])


def _stateful_config_spec(flavour):
    return Spec(stateful=True, batch=3, timesteps=None, role="saved")


@CORE.case("stateful_config", features=4, saved_spec=_stateful_config_spec, lengths=(21, 12, 30),
      keys=("k0", "k1", "k2"),
      description="Saved with stateful=True and a fixed batch size 3 (Keras 2: batch_input_shape=(3, None, 4) "
                  "on the LSTM; Keras 3: Input(batch_shape=(3, None, 4))): LSTM(8, return_sequences=True) -> Dense(2)")
def _stateful_config(L, s):
    if s.role == "saved" and not L.k3:
        return L.K.Sequential([
            L.layers.LSTM(8, return_sequences=True, stateful=True, batch_input_shape=(s.batch, s.timesteps, 4)),
            L.layers.Dense(2)])
    return L.seq(s, 4, [L.layers.LSTM(8, return_sequences=True, stateful=s.stateful), L.layers.Dense(2)])


def _tutorial_spec(flavour):
    return Spec(stateful=True, batch=1, timesteps=1, role="saved")


@CORE.case("stateful_tutorial", features=1, seq_out=False, saved_spec=_tutorial_spec, lengths=(25, 14, 33),
      keys=("k0", "k1", "k2"),
      description="The classic stateful tutorial model: LSTM(4, stateful=True) with batch_input_shape=(1, 1, 1) "
                  "(Keras 3: Input(batch_shape=(1, 1, 1))) -> Dense(1); one event = one timestep")
def _tutorial(L, s):
    if s.role == "saved" and not L.k3:
        return L.K.Sequential([
            L.layers.LSTM(4, stateful=True, batch_input_shape=(s.batch, s.timesteps, 1)),
            L.layers.Dense(1)])
    return L.seq(s, 1, [L.layers.LSTM(4, stateful=s.stateful), L.layers.Dense(1)])


@CORE.case("window_lstm", mode="window", window=8, seq_out=False, features=3, lengths=(20, 8, 31, 5),
      description="Input(shape=(8, 3)) -> LSTM(6) -> Dense(2), stateful=False: window mode N=8 "
                  "(key k3 has fewer than 8 events and so no output)")
def _window_lstm(L, s):
    return L.seq(s, 3, [L.layers.LSTM(6), L.layers.Dense(2)])


@CORE.case("window_unroll", mode="window", window=6, seq_out=False, features=3, lengths=(14, 6, 19, 4),
      all_formats=False,
      description="Input(shape=(6, 3)) -> LSTM(5, unroll=True, return_sequences=True) -> GRU(4, unroll=True) "
                  "-> Dense(2): unroll is a graph-building option, the numbers must not change")
def _window_unroll(L, s):
    return L.seq(s, 3, [L.layers.LSTM(5, unroll=True, return_sequences=True), L.layers.GRU(4, unroll=True),
                        L.layers.Dense(2)])


@CORE.case("activations_rnn", features=4,
      description="LSTM(8, activation=relu, recurrent_activation=hard_sigmoid) -> GRU(6, activation=softsign, "
                  "recurrent_activation=hard_sigmoid) -> SimpleRNN(5, activation=elu) -> Dense(3); "
                  "hard_sigmoid differs between Keras 2 and Keras 3",
      notes="Same weights and events in keras2_ and keras3_ variants; the outputs differ because "
            "hard_sigmoid is clip(0.2x+0.5, 0, 1) in Keras 2 and relu6(x+3)/6 in Keras 3. LSTM weights are drawn "
            "from uniform(-0.5, 0.5) so that the ReLU-LSTM states stay small (|state| < ~2.5; with a wider range they "
            "grow to ~50-190 and float32 summation order alone differs by ~1e-5); relu still zeroes some h values.")
def _act_rnn(L, s):
    return L.seq(s, 4, [
        scaled(L.layers.LSTM(8, activation="relu", recurrent_activation="hard_sigmoid", return_sequences=True,
                             stateful=s.stateful), 0.5),
        scaled(L.layers.GRU(6, activation="softsign", recurrent_activation="hard_sigmoid", return_sequences=True,
                            stateful=s.stateful), 1.5),
        scaled(L.layers.SimpleRNN(5, activation="elu", return_sequences=True, stateful=s.stateful), 0.8),
        L.layers.Dense(3)])


@CORE.case("activations_dense1", all_formats=False, features=4,
      description="LSTM(8) -> Dense tanh -> sigmoid -> hard_sigmoid -> elu -> selu -> softplus (Dense(4))")
def _act_d1(L, s):
    D = L.layers.Dense
    return L.seq(s, 4, [L.layers.LSTM(8, return_sequences=True, stateful=s.stateful),
                        scaled(D(8, activation="tanh"), 2.0),
                        scaled(D(8, activation="sigmoid"), 2.0),
                        scaled(D(8, activation="hard_sigmoid"), 4.0),
                        scaled(D(8, activation="elu"), 3.0),
                        # Moderate tail weights keep |y| small: at |y| ~ 10 one float32 ulp is 1e-6.
                        scaled(D(8, activation="selu"), 1.0),
                        scaled(D(4, activation="softplus"), 0.6)])


@CORE.case("activations_dense2", all_formats=False, features=4,
      description="LSTM(8) -> Dense softsign -> swish -> gelu -> exponential -> linear -> Activation(softmax)")
def _act_d2(L, s):
    D = L.layers.Dense
    return L.seq(s, 4, [L.layers.LSTM(8, return_sequences=True, stateful=s.stateful),
                        scaled(D(8, activation="softsign"), 3.0),
                        scaled(D(8, activation="swish"), 3.0),
                        scaled(D(8, activation="gelu"), 3.0),
                        scaled(D(8, activation="exponential"), 0.4),
                        scaled(D(5, activation="linear"), 1.0),
                        L.layers.Activation("softmax")])


@CORE.case("activations_dense3", all_formats=False, features=4,
      description="LSTM(8) -> Dense relu -> leaky_relu (Keras 3 activation string, negative_slope 0.2; Keras 2: "
                  "Dense linear + LeakyReLU layer, alpha 0.3) -> relu6 (Keras 3 only; Keras 2: Dense tanh) "
                  "-> Dense(3) + Activation(sigmoid)")
def _act_d3(L, s):
    D = L.layers.Dense
    ls = [L.layers.LSTM(8, return_sequences=True, stateful=s.stateful), scaled(D(8, activation="relu"), 3.0)]
    if L.k3:
        ls += [scaled(D(8, activation="leaky_relu"), 3.0), scaled(D(8, activation="relu6"), 4.0)]
    else:
        ls += [scaled(D(8), 3.0), L.layers.LeakyReLU(), scaled(D(8, activation="tanh"), 2.0)]
    ls += [scaled(D(3), 1.0), L.layers.Activation("sigmoid")]
    return L.seq(s, 4, ls)


@CORE.case("activations_dense4", all_formats=False, flavours=("keras3",), features=4,
      description="Keras 3 only: LSTM(8) -> Dense silu -> mish -> hard_silu -> celu -> log_sigmoid -> Dense(4, tanh)")
def _act_d4(L, s):
    D = L.layers.Dense
    ls = [L.layers.LSTM(8, return_sequences=True, stateful=s.stateful)]
    ls += [scaled(D(8, activation=a), 1.2) for a in ["silu", "mish", "hard_silu", "celu", "log_sigmoid"]]
    ls += [scaled(D(4, activation="tanh"), 1.0)]
    return L.seq(s, 4, ls)


@CORE.case("activations_dense5", all_formats=False, flavours=("keras3",), features=4,
      description="Keras 3 only: LSTM(8) -> Dense hard_tanh -> sparse_plus -> squareplus -> soft_shrink -> "
                  "tanh_shrink -> hard_shrink -> LeakyReLU layer (negative_slope 0.3) -> Dense(4, log_softmax)")
def _act_d5(L, s):
    D = L.layers.Dense
    ls = [L.layers.LSTM(8, return_sequences=True, stateful=s.stateful)]
    ls += [scaled(D(8, activation=a), 1.2) for a in ["hard_tanh", "sparse_plus", "squareplus", "soft_shrink",
                                                     "tanh_shrink", "hard_shrink"]]
    # Small final weights keep the log_softmax logits O(1): at |y| ~ 40 one float32 ulp is 4e-6, and
    # a 1e-5 absolute comparison would test summation order rather than the activations.
    ls += [scaled(D(8), 0.5), L.layers.LeakyReLU(), scaled(D(4, activation="log_softmax"), 0.3)]
    return L.seq(s, 4, ls)


@CORE.case("activations_dense_k2", all_formats=False, flavours=("keras2",), features=4,
      description="Keras 2 only: LSTM(8) -> Dense mish -> Activation(relu) -> ReLU(max_value=1.5, "
                  "negative_slope=0.1, threshold=0.2) layer -> ELU(alpha=0.7) layer -> Dense(3)")
def _act_dk2(L, s):
    D = L.layers.Dense
    return L.seq(s, 4, [L.layers.LSTM(8, return_sequences=True, stateful=s.stateful),
                        scaled(D(8, activation="mish"), 2.0),
                        scaled(D(8), 2.0), L.layers.Activation("relu"),
                        scaled(D(8), 3.0), L.layers.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.2),
                        scaled(D(8), 1.5), L.layers.ELU(alpha=0.7),
                        scaled(D(3), 0.5)])


@CORE.case("no_bias", features=4,
      description="LSTM(7, use_bias=False) -> GRU(6, use_bias=False) -> SimpleRNN(5, use_bias=False), all "
                  "return_sequences=True -> Dense(2, use_bias=False)")
def _no_bias(L, s):
    return L.seq(s, 4, [L.layers.LSTM(7, use_bias=False, return_sequences=True, stateful=s.stateful),
                        L.layers.GRU(6, use_bias=False, return_sequences=True, stateful=s.stateful),
                        L.layers.SimpleRNN(5, use_bias=False, return_sequences=True, stateful=s.stateful),
                        L.layers.Dense(2, use_bias=False)])


@CORE.case("gru_reset_before_no_bias", features=3, seq_out=True,
      description="GRU(5, reset_after=False, use_bias=False, return_sequences=True) -> "
                  "GRU(4, reset_after=True, use_bias=False, return_sequences=True) -> Dense(1)")
def _gru_nb(L, s):
    return L.seq(s, 3, [L.layers.GRU(5, reset_after=False, use_bias=False, return_sequences=True,
                                     stateful=s.stateful),
                        L.layers.GRU(4, reset_after=True, use_bias=False, return_sequences=True,
                                     stateful=s.stateful),
                        L.layers.Dense(1)])


# ---------------------------------- Group B ---------------------------------------------------
# Only the full-model files (Keras 3: model.keras + legacy model.h5; Keras 2: model.h5): the
# JSON + weights entry points are covered by group A and the HDF5 files dominate fixtures/ size.


def masked_events(rng, ki, T, F):
    x = rng.normal(0.0, 1.0, (T, F)).astype(np.float32)
    # ~20% of events all-zero (= mask_value): a few runs of 1..3 masked events, and key 1 starts masked.
    t = 0
    while t < T:
        if rng.random() < 0.12:
            n = int(rng.integers(1, 4))
            x[t:t + n] = 0.0
            t += n + 1
        else:
            t += 1
    if ki == 1:
        x[0:2] = 0.0
    if ki == 0:
        x[T - 1] = 0.0          # the last event of k0 is masked (states.csv after a masked event)
    return x


@LAYERS.case("masking_seq", features=3, method="prefix", lengths=(24, 13, 37, 9), event_fn=masked_events,
      description="Masking(mask_value=0.0) -> LSTM(6, return_sequences=True) -> Dense(2); some events all-zero",
      notes="expected.csv from model.predict over every prefix (not stateful stepping).")
def _masking_seq(L, s):
    return L.seq(s, 3, [L.layers.Masking(mask_value=0.0),
                        L.layers.LSTM(6, return_sequences=True, stateful=s.stateful),
                        L.layers.Dense(2)])


@LAYERS.case("masking_last", features=3, method="prefix", seq_out=False, lengths=(22, 15, 31, 10),
      event_fn=masked_events,
      description="Masking(mask_value=0.0) -> GRU(6, return_sequences=True) -> LSTM(5) many-to-one -> Dense(2); "
                  "some events all-zero",
      notes="expected.csv from model.predict over every prefix (not stateful stepping).")
def _masking_last(L, s):
    return L.seq(s, 3, [L.layers.Masking(mask_value=0.0),
                        L.layers.GRU(6, return_sequences=True, stateful=s.stateful),
                        L.layers.LSTM(5, stateful=s.stateful),
                        L.layers.Dense(2)])


@LAYERS.case("embedding", features=1, int_vocab=20,
      description="Embedding(20, 5) -> LSTM(8, return_sequences=True) -> Dense(3); events are int token ids")
def _embedding(L, s):
    return L.seq(s, 1, [scaled(L.layers.Embedding(20, 5), 1.0),
                        L.layers.LSTM(8, return_sequences=True, stateful=s.stateful),
                        L.layers.Dense(3)], dtype="int32", feat_shape=())


@LAYERS.case("embedding_last", features=1, int_vocab=12, seq_out=False,
      description="Embedding(12, 4) -> GRU(6) many-to-one -> Dense(1, sigmoid); events are int token ids")
def _embedding_last(L, s):
    return L.seq(s, 1, [scaled(L.layers.Embedding(12, 4), 1.0),
                        L.layers.GRU(6, stateful=s.stateful),
                        L.layers.Dense(1, activation="sigmoid")], dtype="int32", feat_shape=())


@LAYERS.case("rnn_cells", features=4,
      description="RNN(LSTMCell(6)) -> RNN(GRUCell(5)) -> RNN(SimpleRNNCell(4)), return_sequences=True -> Dense(2)")
def _rnn_cells(L, s):
    l = L.layers
    return L.seq(s, 4, [l.RNN(l.LSTMCell(6), return_sequences=True, stateful=s.stateful),
                        l.RNN(l.GRUCell(5), return_sequences=True, stateful=s.stateful),
                        l.RNN(l.SimpleRNNCell(4), return_sequences=True, stateful=s.stateful),
                        l.Dense(2)])


@LAYERS.case("stacked_cells", features=4, seq_out=False,
      description="RNN(StackedRNNCells([LSTMCell(6), GRUCell(5, reset_after=False), SimpleRNNCell(4)])) "
                  "many-to-one -> Dense(2)")
def _stacked_cells(L, s):
    l = L.layers
    cells = l.StackedRNNCells([l.LSTMCell(6), l.GRUCell(5, reset_after=False), l.SimpleRNNCell(4)])
    return L.seq(s, 4, [l.RNN(cells, stateful=s.stateful), l.Dense(2)])


def _bidi(merge):
    def build(L, s):
        return L.seq(s, 3, [L.layers.Bidirectional(L.layers.LSTM(5), merge_mode=merge), L.layers.Dense(2)])
    return build


for _m in ("concat", "sum", "mul", "ave"):
    LAYERS.case(f"bidirectional_{_m}", mode="window", window=6, seq_out=False, features=3, lengths=(17, 6, 25, 11),
         description=f"Input(shape=(6, 3)) -> Bidirectional(LSTM(5), merge_mode='{_m}') -> Dense(2); window N=6")(
        _bidi(_m))


@LAYERS.case("bidirectional_seq", mode="window", window=6, features=3, lengths=(17, 6, 25, 11),
      description="Input(shape=(6, 3)) -> Bidirectional(GRU(4, return_sequences=True)) -> TimeDistributed(Dense(2)); "
                  "window N=6, output = the whole 6x2 sequence")
def _bidi_seq(L, s):
    return L.seq(s, 3, [L.layers.Bidirectional(L.layers.GRU(4, return_sequences=True)),
                        L.layers.TimeDistributed(L.layers.Dense(2))])


@LAYERS.case("go_backwards", mode="window", window=6, seq_out=False, features=3, lengths=(17, 6, 25, 11),
      description="Input(shape=(6, 3)) -> LSTM(5, go_backwards=True) -> Dense(2); window N=6")
def _go_backwards(L, s):
    return L.seq(s, 3, [L.layers.LSTM(5, go_backwards=True), L.layers.Dense(2)])


@LAYERS.case("go_backwards_seq", mode="window", window=5, features=3, lengths=(17, 6, 25, 11),
      description="Input(shape=(5, 3)) -> GRU(4, go_backwards=True, return_sequences=True) -> Dense(1); window N=5, "
                  "output = the whole (reversed-time) 5x1 sequence")
def _go_backwards_seq(L, s):
    return L.seq(s, 3, [L.layers.GRU(4, go_backwards=True, return_sequences=True), L.layers.Dense(1)])


@LAYERS.case("flatten", mode="window", window=6, seq_out=False, features=3, lengths=(17, 6, 25, 11),
      description="Input(shape=(6, 3)) -> LSTM(4, return_sequences=True) -> Flatten -> Dense(2); window N=6")
def _flatten(L, s):
    return L.seq(s, 3, [L.layers.LSTM(4, return_sequences=True), L.layers.Flatten(), L.layers.Dense(2)])


@LAYERS.case("reshape", mode="window", window=6, seq_out=False, features=3, lengths=(17, 6, 25, 11),
      description="Input(shape=(6, 3)) -> GRU(4, return_sequences=True) -> Reshape((24,)) -> Dense(2); window N=6")
def _reshape(L, s):
    return L.seq(s, 3, [L.layers.GRU(4, return_sequences=True), L.layers.Reshape((24,)), L.layers.Dense(2)])


@LAYERS.case("repeat_vector", features=3, seq_out=False, lengths=(19, 8, 26, 12),
      description="LSTM(6) encoder (many-to-one) -> RepeatVector(3) -> LSTM(5, return_sequences=True) -> "
                  "TimeDistributed(Dense(2)); output per event = 3x2 decoder sequence",
      notes="The stepping model makes only the encoder stateful; the decoder starts from zero state on every event.")
def _repeat_vector(L, s):
    return L.seq(s, 3, [L.layers.LSTM(6, stateful=s.stateful),
                        L.layers.RepeatVector(3),
                        L.layers.LSTM(5, return_sequences=True),
                        L.layers.TimeDistributed(L.layers.Dense(2))])


@LAYERS.case("dropout_family", features=4,
      description="LSTM(8, dropout=0.3, recurrent_dropout=0.2, return_sequences=True) -> Dropout(0.5) -> "
                  "SpatialDropout1D(0.3) -> GaussianNoise(0.4) -> GaussianDropout(0.3) -> AlphaDropout(0.2) -> "
                  "GRU(4, dropout=0.1, return_sequences=True) -> Dense(2); all identity at inference")
def _dropout(L, s):
    l = L.layers
    return L.seq(s, 4, [l.LSTM(8, dropout=0.3, recurrent_dropout=0.2, return_sequences=True, stateful=s.stateful),
                        l.Dropout(0.5), l.SpatialDropout1D(0.3), l.GaussianNoise(0.4), l.GaussianDropout(0.3),
                        l.AlphaDropout(0.2),
                        l.GRU(4, dropout=0.1, return_sequences=True, stateful=s.stateful),
                        l.Dense(2)])


@LAYERS.case("functional", features=3, seq_out=False,
      description="Functional keras.Model(inputs, outputs): Input -> LSTM(6) -> Dense(1) (same layers as lstm_last)")
def _functional(L, s):
    inp = L.input(s, (3,))
    h = L.layers.LSTM(6, stateful=s.stateful)(inp)
    out = L.layers.Dense(1)(h)
    return L.K.Model(inp, out)


@LAYERS.case("functional_seq", features=4,
      description="Functional model: Input -> LSTM(8, return_sequences=True) -> GRU(5, return_sequences=True) -> "
                  "TimeDistributed(Dense(3, tanh)) -> Dense(1)")
def _functional_seq(L, s):
    inp = L.input(s, (4,))
    h = L.layers.LSTM(8, return_sequences=True, stateful=s.stateful)(inp)
    h = L.layers.GRU(5, return_sequences=True, stateful=s.stateful)(h)
    h = L.layers.TimeDistributed(L.layers.Dense(3, activation="tanh"))(h)
    out = L.layers.Dense(1)(h)
    return L.K.Model(inp, out)
