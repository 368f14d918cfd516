from typing import Literal

WebhookDeliveryOutputStateEnum = Literal["delivered", "failed", "pending"]

WEBHOOK_DELIVERY_OUTPUT_STATE_ENUM_VALUES: set[WebhookDeliveryOutputStateEnum] = {
    "delivered",
    "failed",
    "pending",
}


def check_webhook_delivery_output_state_enum(value: str) -> WebhookDeliveryOutputStateEnum:
    if value in WEBHOOK_DELIVERY_OUTPUT_STATE_ENUM_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {WEBHOOK_DELIVERY_OUTPUT_STATE_ENUM_VALUES!r}"
    )
