"""Models flink-rnn must refuse: only the Keras-written file and the message it gets matter, so this
folder has no events and no outputs."""
import os
import shutil


REFUSED = "keras3_refused"


def write_refused(outdir):
    """Bidirectional(merge_mode=None) and return_state=True both make a model with several outputs."""
    import keras
    d = os.path.join(outdir, REFUSED)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    keras.utils.set_random_seed(5)
    x = keras.Input(shape=(None, 3), name="events")
    both = keras.layers.Bidirectional(keras.layers.LSTM(4, return_sequences=True), merge_mode=None)(x)
    keras.Model(x, both, name="bidirectional_merge_none").save(os.path.join(d, "bidirectional_merge_none.keras"))
    x = keras.Input(shape=(None, 3), name="events")
    out, h, c = keras.layers.LSTM(4, return_state=True)(x)
    keras.Model(x, [out, h, c], name="lstm_return_state").save(os.path.join(d, "lstm_return_state.keras"))
    print(f"{REFUSED}: bidirectional_merge_none.keras, lstm_return_state.keras", flush=True)
