package io.github.segmenttotango.mapping;

/**
 * What a group call leaves behind for a user: the account, and the product account when the group
 * call configured a product. Activities of the user go to the product account when there is one.
 */
public record GroupContext(String accountId, String productAccountId) {

    public String activityAccount() {
        return productAccountId != null ? productAccountId : accountId;
    }
}
