"""Case catalogue: functional graphs (docs/SEMANTICS.md section 11), group B."""
from catalogue import Catalogue, scaled
from cases_layers import masked_events

GRAPHS = Catalogue("B")


# ---------------------------------- Functional graphs -----------------------------------------
# Branching and merging functional models (docs/SEMANTICS.md section 11). In stateful mode every
# recurrent layer on the events' time axis is stateful in the stepping model (states.csv numbers them
# in model.layers order); a decoder after RepeatVector is not, and starts from the encoder's states.

def _residual(L, s, inp):
    h1 = L.layers.LSTM(6, return_sequences=True, stateful=s.stateful)(inp)
    h2 = L.layers.LSTM(6, return_sequences=True, stateful=s.stateful)(h1)
    return L.layers.Add()([h1, h2])


@GRAPHS.case("graph_residual", features=4,
      description="Functional: Input -> LSTM(6, return_sequences=True) -> LSTM(6, return_sequences=True); "
                  "Add([first, second]) (a residual skip) -> Dense(2)")
def _graph_residual(L, s):
    inp = L.input(s, (4,))
    return L.K.Model(inp, L.layers.Dense(2)(_residual(L, s, inp)))


@GRAPHS.case("graph_residual_window", mode="window", window=5, features=4, seq_out=False, lengths=(17, 6, 25, 11),
      description="Input(shape=(5, 4)) -> the residual LSTM pair of graph_residual -> GRU(4) many-to-one -> "
                  "Dense(2); window N=5")
def _graph_residual_window(L, s):
    inp = L.input(s, (4,))
    h = L.layers.GRU(4)(_residual(L, s, inp))
    return L.K.Model(inp, L.layers.Dense(2)(h))


@GRAPHS.case("graph_branches", features=3,
      description="Functional: Input -> [LSTM(6, return_sequences=True) | GRU(4, return_sequences=True)] -> "
                  "Concatenate -> Dense(2)")
def _graph_branches(L, s):
    inp = L.input(s, (3,))
    a = L.layers.LSTM(6, return_sequences=True, stateful=s.stateful)(inp)
    b = L.layers.GRU(4, return_sequences=True, stateful=s.stateful)(inp)
    return L.K.Model(inp, L.layers.Dense(2)(L.layers.Concatenate()([a, b])))


@GRAPHS.case("graph_branches_window", mode="window", window=6, features=3, seq_out=False, lengths=(17, 6, 25, 11),
      description="Input(shape=(6, 3)) -> [LSTM(6) | GRU(4)] many-to-one -> Concatenate -> Dense(2); window N=6")
def _graph_branches_window(L, s):
    inp = L.input(s, (3,))
    a = L.layers.LSTM(6)(inp)
    b = L.layers.GRU(4)(inp)
    return L.K.Model(inp, L.layers.Dense(2)(L.layers.Concatenate()([a, b])))


@GRAPHS.case("graph_merges", features=3,
      description="Functional: a = LSTM(5, seq), b = GRU(5, seq), d = Dense(5) per step, all on the input; "
                  "s = Subtract([a, b]), m = Multiply([a, d]), v = Average([a, b, d]), "
                  "Concatenate([Minimum([v, Maximum([s, m])]), s]) -> Dense(2)")
def _graph_merges(L, s):
    l = L.layers
    inp = L.input(s, (3,))
    a = l.LSTM(5, return_sequences=True, stateful=s.stateful)(inp)
    b = l.GRU(5, return_sequences=True, stateful=s.stateful)(inp)
    d = scaled(l.Dense(5), 1.0)(inp)
    sub = l.Subtract()([a, b])
    mul = l.Multiply()([a, d])
    avg = l.Average()([a, b, d])
    mn = l.Minimum()([avg, l.Maximum()([sub, mul])])
    return L.K.Model(inp, l.Dense(2)(l.Concatenate()([mn, sub])))


def _encoder_decoder(L, s, inp):
    out, h, c = L.layers.LSTM(6, return_state=True, stateful=s.stateful)(inp)
    seq = L.layers.RepeatVector(3)(out)
    dec = L.layers.LSTM(6, return_sequences=True)(seq, initial_state=[h, c])
    return L.K.Model(inp, L.layers.TimeDistributed(L.layers.Dense(2))(dec))


@GRAPHS.case("graph_encoder_decoder", features=3, seq_out=False, lengths=(19, 8, 26, 12),
      description="Functional encoder-decoder: LSTM(6, return_state=True) encoder -> RepeatVector(3) of its output "
                  "-> LSTM(6, return_sequences=True)(initial_state=[h, c]) decoder -> TimeDistributed(Dense(2)); "
                  "output per event = the 3x2 decoder sequence",
      notes="The stepping model makes only the encoder stateful; the decoder starts from the encoder's states on "
            "every event.")
def _graph_encoder_decoder(L, s):
    return _encoder_decoder(L, s, L.input(s, (3,)))


@GRAPHS.case("graph_encoder_decoder_window", mode="window", window=5, features=3, seq_out=False, lengths=(17, 6, 25, 11),
      description="Input(shape=(5, 3)) -> the encoder-decoder of graph_encoder_decoder; window N=5")
def _graph_encoder_decoder_window(L, s):
    return _encoder_decoder(L, s, L.input(s, (3,)))


@GRAPHS.case("graph_masking", features=3, method="prefix", lengths=(24, 13, 37, 9), event_fn=masked_events,
      description="Functional: Input -> Masking(mask_value=0.0) -> [LSTM(6, seq) | GRU(6, seq)] -> Add -> Dense(2); "
                  "some events all-zero. Keras 3 saves the mask as NotEqual and Any op layers and a mask= argument "
                  "of each recurrent layer; Keras 2 propagates it implicitly",
      notes="expected.csv from model.predict over every prefix (not stateful stepping).")
def _graph_masking(L, s):
    l = L.layers
    inp = L.input(s, (3,))
    m = l.Masking(mask_value=0.0)(inp)
    a = l.LSTM(6, return_sequences=True, stateful=s.stateful)(m)
    b = l.GRU(6, return_sequences=True, stateful=s.stateful)(m)
    return L.K.Model(inp, l.Dense(2)(l.Add()([a, b])))


@GRAPHS.case("graph_masking_window", mode="window", window=6, features=3, seq_out=False, lengths=(17, 9, 25, 11),
      event_fn=masked_events,
      description="Input(shape=(6, 3)) -> Masking(mask_value=0.0) -> [LSTM(6) | GRU(6)] many-to-one -> Add -> "
                  "Dense(2); window N=6, some events all-zero")
def _graph_masking_window(L, s):
    l = L.layers
    inp = L.input(s, (3,))
    m = l.Masking(mask_value=0.0)(inp)
    return L.K.Model(inp, l.Dense(2)(l.Add()([l.LSTM(6)(m), l.GRU(6)(m)])))


def _static_split(x):
    """Events carry 3 sequence features, then 2 static features; the static input is the last event's."""
    return [x[..., :3], x[:, -1, 3:]]


def _static_input(L, s):
    seq = L.input(s, (3,))
    static = L.K.Input(shape=(2,), batch_size=s.batch)
    h = L.layers.LSTM(6, stateful=s.stateful)(seq)
    return L.K.Model([seq, static], L.layers.Dense(2)(L.layers.Concatenate()([h, static])))


@GRAPHS.case("graph_static_input", features=5, seq_out=False, inputs_fn=_static_split,
      description="Two inputs: Input(shape=(None, 3)) -> LSTM(6) many-to-one, and Input(shape=(2,)) static "
                  "features; Concatenate -> Dense(2). An event is x0..x2 (the step) then x3..x4 (the static features "
                  "as of that event); expected = model.predict([events[0..t] x0..x2, event t x3..x4])",
      notes="saved_batch_shape shows the event width; the model's inputs are (None, 3) and (2,).")
def _graph_static_input(L, s):
    return _static_input(L, s)


@GRAPHS.case("graph_static_input_window", mode="window", window=5, features=5, seq_out=False, inputs_fn=_static_split,
      lengths=(17, 6, 25, 11),
      description="Input(shape=(5, 3)) and Input(shape=(2,)) as graph_static_input; window N=5, the static "
                  "features of the window's last event",
      notes="saved_batch_shape shows the event width; the model's inputs are (5, 3) and (2,).")
def _graph_static_input_window(L, s):
    return _static_input(L, s)


def _two_heads(L, s):
    """Two outputs of different layers: a Dense(2) head on the LSTM's sequence, then the sequence itself."""
    inp = L.input(s, (3,))
    h = L.layers.LSTM(6, return_sequences=True, stateful=s.stateful)(inp)
    return L.K.Model(inp, [L.layers.Dense(2)(h), h])


@GRAPHS.case("graph_two_heads", features=3,
      description="Two outputs: Input -> LSTM(6, return_sequences=True) = h; outputs [Dense(2)(h), h]. An event's "
                  "output is y0..y1 (the Dense head's step) then y2..y7 (the LSTM's step), in the model's output order")
def _graph_two_heads(L, s):
    return _two_heads(L, s)


@GRAPHS.case("graph_two_heads_window", mode="window", window=5, features=3, seq_out=False, lengths=(17, 6, 25, 11),
      description="Input(shape=(5, 3)) -> LSTM(6) many-to-one = h; outputs [Dense(1)(h), Dense(3, tanh)(h)]: "
                  "y0 then y1..y3; window N=5")
def _graph_two_heads_window(L, s):
    inp = L.input(s, (3,))
    h = L.layers.LSTM(6)(inp)
    return L.K.Model(inp, [L.layers.Dense(1)(h), L.layers.Dense(3, activation="tanh")(h)])


def _dot(L, s):
    l = L.layers
    inp = L.input(s, (3,))
    a = l.LSTM(5, stateful=s.stateful)(inp)
    b = l.GRU(5, stateful=s.stateful)(inp)
    both = l.Concatenate()([l.Dot(axes=1)([a, b]), l.Dot(axes=-1, normalize=True)([a, b])])
    return L.K.Model(inp, l.Dense(2)(both))


@GRAPHS.case("graph_dot", features=3, seq_out=False,
      description="Input -> [LSTM(5) | GRU(5)] many-to-one; Concatenate([Dot(axes=1), Dot(axes=-1, normalize=True)]) "
                  "of the two -> Dense(2)")
def _graph_dot(L, s):
    return _dot(L, s)


@GRAPHS.case("graph_dot_window", mode="window", window=5, features=3, seq_out=False, lengths=(17, 6, 25, 11),
      description="Input(shape=(5, 3)) -> the Dot model of graph_dot; window N=5")
def _graph_dot_window(L, s):
    return _dot(L, s)


def _two_sequences_split(x):
    """Events carry 3 features of the first sequence input, then 2 of the second, per step."""
    return [x[..., :3], x[..., 3:]]


@GRAPHS.case("graph_two_sequences", features=5, inputs_fn=_two_sequences_split,
      description="Two sequence inputs: Input(shape=(None, 3)) -> LSTM(5, return_sequences=True) and "
                  "Input(shape=(None, 2)) -> GRU(4, return_sequences=True); Concatenate -> Dense(2). An event is "
                  "x0..x2 (the first input's step) then x3..x4 (the second's)")
def _graph_two_sequences(L, s):
    a = L.input(s, (3,))
    b = L.input(s, (2,))
    ha = L.layers.LSTM(5, return_sequences=True, stateful=s.stateful)(a)
    hb = L.layers.GRU(4, return_sequences=True, stateful=s.stateful)(b)
    return L.K.Model([a, b], L.layers.Dense(2)(L.layers.Concatenate()([ha, hb])))


@GRAPHS.case("graph_two_sequences_window", mode="window", window=5, features=5, seq_out=False,
      inputs_fn=_two_sequences_split, lengths=(17, 6, 25, 11),
      description="Encoder input Input(shape=(5, 3)) -> LSTM(6, return_state=True); decoder input "
                  "Input(shape=(5, 2)) -> LSTM(6, return_sequences=True)(initial_state=[h, c]) -> "
                  "TimeDistributed(Dense(2)); window N=5, an event x0..x2 (encoder step) then x3..x4 (decoder step), "
                  "output the whole 5x2 decoder sequence")
def _graph_two_sequences_window(L, s):
    enc = L.input(s, (3,))
    dec = L.input(s, (2,))
    _, h, c = L.layers.LSTM(6, return_state=True)(enc)
    y = L.layers.LSTM(6, return_sequences=True)(dec, initial_state=[h, c])
    return L.K.Model([enc, dec], L.layers.TimeDistributed(L.layers.Dense(2))(y))
