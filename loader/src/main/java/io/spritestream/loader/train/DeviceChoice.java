package io.spritestream.loader.train;

import io.spritestream.config.InvalidSettingException;
import io.spritestream.config.Setting;
import ai.djl.Device;
import ai.djl.engine.Engine;

/** {@code --device auto|cpu|gpu}: where training runs. */
public enum DeviceChoice {
    /** The first GPU if the engine sees one, else the CPU. */
    AUTO,
    CPU,
    /** The first GPU; an error if the engine sees none. */
    GPU;

    /** Where training (or evaluation) runs. */
    public static final Setting<DeviceChoice> SETTING = Setting.choice("device", DeviceChoice.class, AUTO,
            "auto, cpu or gpu; auto takes the first GPU the PyTorch engine sees");

    /**
     * The device this choice means with the PyTorch engine's native library as loaded.
     *
     * @throws IllegalArgumentException for {@code gpu} when the engine sees no GPU (the message says why
     *                                  that usually is: the CPU flavour of the native library)
     */
    public Device resolve() {
        if (this == CPU) {
            return Device.cpu();
        }
        Engine engine = Engine.getEngine("PyTorch");
        int gpus = engine.getGpuCount();
        if (gpus > 0) {
            return Device.gpu();
        }
        if (this == GPU) {
            throw InvalidSettingException.format("{device} gpu: the PyTorch engine sees no GPU (PyTorch %s; the CPU "
                    + "native library is loaded unless a CUDA flavour is installed: see README, Training on a GPU)",
                    engine.getVersion());
        }
        return Device.cpu();
    }

    /** {@code cpu}, or {@code gpu 0} for the first GPU. */
    public static String name(Device device) {
        return device.isGpu() ? "gpu " + device.getDeviceId() : device.getDeviceType();
    }
}
