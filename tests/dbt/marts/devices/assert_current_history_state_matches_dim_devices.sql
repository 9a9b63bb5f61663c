-- Invariant: each device has exactly one current state in dim_device_history, and its
-- firmware and model agree with dim_devices (both read the device's latest reports).
with

current_states as (
    select
        device_serial,
        count(*) as current_rows,
        max(firmware_version) as firmware_version,
        max(device_model) as device_model
    from {{ ref('dim_device_history') }}
    where is_current
    group by device_serial
)

select
    dim_devices.device_serial,
    current_states.current_rows,
    dim_devices.firmware_version,
    current_states.firmware_version as history_firmware_version,
    dim_devices.device_model,
    current_states.device_model as history_device_model
from {{ ref('dim_devices') }} as dim_devices
left join current_states
    on dim_devices.device_serial = current_states.device_serial
where
    coalesce(current_states.current_rows, 0) != 1
    or not (dim_devices.firmware_version <=> current_states.firmware_version)
    or not (dim_devices.device_model <=> current_states.device_model)
