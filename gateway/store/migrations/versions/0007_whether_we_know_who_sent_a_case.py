"""whether we know who sent a case

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 10:12:05.114208

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('verified', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    # Cases opened so far: the customer is known when the case names them or their account.
    # Verified urgent work now ranks above unverified urgent work (priority 3 against 2).
    op.execute(
        "UPDATE cases SET verified = TRUE "
        "WHERE account_id IS NOT NULL OR customer_id IS NOT NULL"
    )
    op.execute("UPDATE cases SET priority = 3 WHERE urgent AND verified")


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("UPDATE cases SET priority = 2 WHERE priority = 3")
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('verified')
